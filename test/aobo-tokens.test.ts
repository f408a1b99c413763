import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import { GDAP_ROLES } from '../src/delegated-admin/gdap-roles.ts';
import { decideSignInRequirement, type SignInFacts } from '../src/policy/sign-in-requirement.ts';
import { listSignIns } from '../src/sign-in-logs/sign-in-log.ts';
import { delegatedSignIn, grantGdap, terminateGdap } from './support/aobo.ts';
import { GLOBAL_ADMIN, HELPDESK_ADMIN, USER_ADMIN } from './support/gdap.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { relyingParty } from './support/oidc.ts';

const id = (name: string) => GDAP_ROLES.find((r) => r.displayName === name)!.templateId;

describe('SPEC E3: the service-provider fact of THE requirement function', () => {
  const facts = (over: Partial<SignInFacts>): SignInFacts => ({
    tenant: { securityDefaults: false, requireMfaAllUsers: false },
    user: { accountEnabled: true, directoryRoles: [], registrationWindowStartedAt: null },
    hasMfaMethod: true,
    clientApp: 'browser',
    stepUp: undefined,
    risky: false,
    now: 0,
    ...over,
  });

  it('SPEC E3: MFA always for service-provider access, whatever the tenant policy; registration first without a method', () => {
    for (const tenant of [
      { securityDefaults: false, requireMfaAllUsers: false },
      { securityDefaults: true, requireMfaAllUsers: false },
      { securityDefaults: false, requireMfaAllUsers: true },
    ]) {
      const withMethod = decideSignInRequirement(facts({ tenant, serviceProviderAccess: true }));
      assert.equal(withMethod.outcome, 'allow');
      assert.equal(withMethod.outcome === 'allow' && withMethod.factors, 'multi');
      assert.equal(withMethod.policy, 'enforcedForCspAdmins');
      const without = decideSignInRequirement(
        facts({ tenant, serviceProviderAccess: true, hasMfaMethod: false }),
      );
      assert.equal(without.outcome === 'allow' && without.registration, 'required');
    }
    // A disabled account is still blocked first.
    const disabled = decideSignInRequirement(
      facts({
        serviceProviderAccess: true,
        user: { accountEnabled: false, directoryRoles: [], registrationWindowStartedAt: null },
      }),
    );
    assert.equal(disabled.outcome === 'block' && disabled.errorCode, 50057);
    // Without the fact, a user no policy asks MFA of signs in with one factor.
    const own = decideSignInRequirement(facts({}));
    assert.equal(own.outcome === 'allow' && own.factors, 'single');
  });
});

describe('SPEC E3, reference §2.2: tokens of a partner user at a customer’s authority', () => {
  let w: TestWarden;
  const tenant = (key: string) => w.demo.tenants[key]!.id;
  const userId = (upn: string) => w.demo.users[upn]!.id;
  // Hal has no method in the demo: he registers at his first sign-in here, and proves it after.
  let halSeed: string | undefined;
  before(async () => {
    w = await startWarden();
  });
  after(() => w.stop());

  it('reference §2.2: tid and iss are the customer’s, idp the partner’s issuer, oid the partner user, wids the roles held now, amr with mfa', async () => {
    const { tokens } = await delegatedSignIn(w, 'jane@contoso.example', 'woodgrove');
    const at = decodeJwt(tokens.access_token);
    const idToken = decodeJwt(tokens.id_token!);
    const jane = userId('jane@contoso.example');
    for (const claims of [at, idToken]) {
      assert.equal(claims.tid, tenant('woodgrove'));
      assert.equal(claims.iss, w.issuer('woodgrove'));
      assert.equal(claims.idp, w.issuer('contoso'));
      assert.equal(claims.oid, jane);
      assert.deepEqual(claims.wids, [USER_ADMIN, id('Global Reader'), id('Security Administrator')].sort());
    }
    assert.ok((at.amr as string[]).includes('mfa'));
    // openid-client, unmodified, validated the ID token (issuer = the customer's authority).
    assert.equal(tokens.claims()?.idp, w.issuer('contoso'));
    assert.equal(tokens.claims()?.iss, w.issuer('woodgrove'));
    // The subject is the partner user's account at this authority, never a bare (customer) user id.
    assert.equal(idToken.sub, `sp:${tenant('contoso')}:${jane}`);
    // DAP at Northwind: Global Administrator; Hal's HelpdeskAgents: Helpdesk Administrator.
    const northwind = decodeJwt(
      (await delegatedSignIn(w, 'jane@contoso.example', 'northwind')).tokens.access_token,
    );
    assert.deepEqual(northwind.wids, [GLOBAL_ADMIN]);
    const hal = await delegatedSignIn(w, 'hal@contoso.example', 'northwind');
    assert.equal(hal.afterPassword, 'register_method');
    halSeed = hal.seed;
    assert.deepEqual(decodeJwt(hal.tokens.access_token).wids, [HELPDESK_ADMIN]);
    assert.equal(decodeJwt(hal.tokens.access_token).tid, tenant('northwind'));
  });

  it('SPEC E3: a refresh at the customer’s authority keeps amr and re-reads wids; no access left ends the chain with invalid_grant', async () => {
    const first = await delegatedSignIn(w, 'jane@contoso.example', 'northwind');
    assert.deepEqual(decodeJwt(first.tokens.access_token).wids, [GLOBAL_ADMIN]);
    const config = first.tokens;
    const rp = await relyingParty(w, 'northwind');
    // A GDAP Global Reader assignment for Jane now wins over DAP (reference §1.10).
    const gdap = await grantGdap(w, 'contoso', 'northwind', ['jane@contoso.example'], [id('Global Reader')]);
    const refreshed = await client.refreshTokenGrant(rp, config.refresh_token!);
    const claims = decodeJwt(refreshed.access_token);
    assert.deepEqual(claims.wids, [id('Global Reader')]);
    assert.ok((claims.amr as string[]).includes('mfa'));
    assert.equal(claims.idp, w.issuer('contoso'));
    // Terminated: DAP's Global Administrator again.
    await terminateGdap(w, 'contoso', gdap.relationshipId);
    const again = await client.refreshTokenGrant(rp, refreshed.refresh_token!);
    assert.deepEqual(decodeJwt(again.access_token).wids, [GLOBAL_ADMIN]);
    // DAP removed too: nothing left, the next refresh fails.
    await w.ctx.db
      .updateTable('customers')
      .set({ delegated_admin: 'none' })
      .where('tenant_id', '=', tenant('contoso'))
      .where('customer_tenant_id', '=', tenant('northwind'))
      .execute();
    await assert.rejects(client.refreshTokenGrant(rp, again.refresh_token!), (error: unknown) => {
      assert.equal((error as { error?: string }).error, 'invalid_grant');
      return true;
    });
    // The failed refresh is a row of the customer's log, naming the partner user and its home tenant,
    // with Entra's code for a grant whose access has ended (reference §3.2; written after the answer).
    let row: Awaited<ReturnType<typeof listSignIns>>[number] | undefined;
    for (let tries = 0; tries < 100 && !row; tries++) {
      const rows = await listSignIns(w.ctx.db, tenant('northwind'), {
        userId: userId('jane@contoso.example'),
      });
      row = rows.find((r) => r.status.errorCode === 50173);
      if (!row) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(row?.homeTenantId, tenant('contoso'));
    assert.equal(row?.crossTenantAccessType, 'serviceProvider');
  });

  it('SPEC E3: a removed group membership ends the GDAP chain at the next refresh', async () => {
    const first = await delegatedSignIn(w, 'hal@contoso.example', 'woodgrove', { seed: halSeed! });
    assert.equal(first.afterPassword, 'second_factor');
    assert.deepEqual(decodeJwt(first.tokens.access_token).wids, [HELPDESK_ADMIN]);
    await w.ctx.db
      .deleteFrom('group_members')
      .where('tenant_id', '=', tenant('contoso'))
      .where('user_id', '=', userId('hal@contoso.example'))
      .execute();
    const rp = await relyingParty(w, 'woodgrove');
    await assert.rejects(client.refreshTokenGrant(rp, first.tokens.refresh_token!), (error: unknown) => {
      assert.equal((error as { error?: string }).error, 'invalid_grant');
      return true;
    });
  });
});
