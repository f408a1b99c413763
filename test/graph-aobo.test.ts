import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import { GDAP_ROLES } from '../src/delegated-admin/gdap-roles.ts';
import { revokeUserSessions } from '../src/sessions/user-sessions.ts';
import { GRAPH_API } from '../src/tokens/audiences.ts';
import { delegatedSignIn, grantGdap, graph, terminateGdap } from './support/aobo.ts';
import { mfaGraphToken, USER_ADMIN } from './support/gdap.ts';
import { graphUserBody } from './support/graph-users.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { relyingParty } from './support/oidc.ts';
import { sign, userClaims } from './support/tokens.ts';

const id = (name: string) => GDAP_ROLES.find((r) => r.displayName === name)!.templateId;

/**
 * SPEC E3, reference §2.3: the Graph gate admits a partner user's token at a customer's authority
 * and authorises it by the roles delegatedAccessOf gives it there now, exactly like a member's.
 */
describe('SPEC E3: Graph in a customer tenant with an admin-on-behalf-of token', () => {
  let w: TestWarden;
  const tenant = (key: string) => w.demo.tenants[key]!.id;
  const body = (local: string, domain: string) => ({
    ...graphUserBody(local),
    userPrincipalName: `${local}@${domain}`,
  });
  before(async () => {
    w = await startWarden();
  });
  after(() => w.stop());

  it('reference §2.3: a GDAP User Administrator manages the customer’s users but not its roles nor its Global Administrator', async () => {
    // Woodgrove (demo): Jane holds User Administrator, Global Reader and Security Administrator.
    const jane = (await delegatedSignIn(w, 'jane@contoso.example', 'woodgrove')).tokens.access_token;
    const users = await graph(w, jane, 'GET', '/users');
    assert.equal(users.status, 200);
    const upns = (users.body.value as { userPrincipalName: string }[]).map((u) => u.userPrincipalName);
    assert.ok(upns.includes('admin@woodgrove.example'));
    assert.ok(
      upns.every((upn) => upn.endsWith('@woodgrove.example')),
      'only the customer’s users',
    );
    const created = await graph(w, jane, 'POST', '/users', body('gdap-made', 'woodgrove.example'));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    // Roles: Global Administrator only (roles.write).
    const assign = await graph(w, jane, 'POST', '/roleManagement/directory/roleAssignments', {
      principalId: created.body.id,
      roleDefinitionId: USER_ADMIN,
      directoryScopeId: '/',
    });
    assert.equal(assign.status, 403);
    assert.equal(assign.body.error.code, 'Authorization_RequestDenied');
    // The customer's Global Administrator is out of a User Administrator's reach (directory/refusals.ts).
    const wanda = w.demo.users['admin@woodgrove.example']!.id;
    const patch = await graph(w, jane, 'PATCH', `/users/${wanda}`, { displayName: 'Taken over' });
    assert.equal(patch.status, 403);
    const own = await graph(w, jane, 'PATCH', `/users/${created.body.id}`, { displayName: 'Renamed' });
    assert.equal(own.status, 204);
  });

  it('reference §1.10: DAP gives AdminAgents Global Administrator: Jane assigns roles at Northwind', async () => {
    const jane = (await delegatedSignIn(w, 'jane@contoso.example', 'northwind')).tokens.access_token;
    const created = await graph(w, jane, 'POST', '/users', body('dap-made', 'northwind.example'));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const assign = await graph(w, jane, 'POST', '/roleManagement/directory/roleAssignments', {
      principalId: created.body.id,
      roleDefinitionId: USER_ADMIN,
      directoryScopeId: '/',
    });
    assert.equal(assign.status, 201, JSON.stringify(assign.body));
  });

  it('SPEC E3: roles are read fresh per request — a GDAP Global Reader reads only, termination brings DAP back, no access at all is refused', async () => {
    const jane = (await delegatedSignIn(w, 'jane@contoso.example', 'northwind')).tokens.access_token;
    assert.equal((await graph(w, jane, 'GET', '/groups')).status, 200);
    const gdap = await grantGdap(w, 'contoso', 'northwind', ['jane@contoso.example'], [id('Global Reader')]);
    // Same token: GDAP wins over DAP now; Global Reader reads users, sign-ins, policy, but writes nothing.
    assert.equal((await graph(w, jane, 'GET', '/users')).status, 200);
    assert.equal((await graph(w, jane, 'GET', '/auditLogs/signIns')).status, 200);
    const write = await graph(w, jane, 'POST', '/users', body('reader-made', 'northwind.example'));
    assert.equal(write.status, 403);
    assert.equal(write.body.error.code, 'Authorization_RequestDenied');
    await terminateGdap(w, 'contoso', gdap.relationshipId);
    const back = await graph(w, jane, 'POST', '/users', body('dap-again', 'northwind.example'));
    assert.equal(back.status, 201, JSON.stringify(back.body));
    await w.ctx.db
      .updateTable('customers')
      .set({ delegated_admin: 'none' })
      .where('tenant_id', '=', tenant('contoso'))
      .where('customer_tenant_id', '=', tenant('northwind'))
      .execute();
    const none = await graph(w, jane, 'GET', '/users');
    assert.equal(none.status, 403);
    assert.equal(none.body.error.code, 'Authorization_RequestDenied');
    await w.ctx.db
      .updateTable('customers')
      .set({ delegated_admin: 'dap' })
      .where('tenant_id', '=', tenant('contoso'))
      .where('customer_tenant_id', '=', tenant('northwind'))
      .execute();
  });

  it('SPEC E3: a GDAP Helpdesk Administrator reads users but cannot create them', async () => {
    const hal = (await delegatedSignIn(w, 'hal@contoso.example', 'woodgrove')).tokens.access_token;
    assert.equal((await graph(w, hal, 'GET', '/users')).status, 200);
    assert.equal((await graph(w, hal, 'POST', '/users', body('hal-made', 'woodgrove.example'))).status, 403);
  });

  it('SPEC E3: a token for one customer never works for another; a forged idp is not a token Warden issued', async () => {
    const jane = w.demo.users['jane@contoso.example']!;
    // Well-formed and signed like Warden's, for Adatum (only a pending request): no access there.
    const adatum = await sign(
      w,
      userClaims(w, 'jane@contoso.example', {
        aud: GRAPH_API,
        iss: w.issuer('adatum'),
        tid: tenant('adatum'),
        idp: w.issuer('contoso'),
        scp: 'Directory.AccessAsUser.All',
        oid: jane.id,
      }),
    );
    const refused = await graph(w, adatum, 'GET', '/users');
    assert.equal(refused.status, 403);
    // `tid` says the customer; another customer's issuer with it is refused by the verifier.
    const mixed = await sign(
      w,
      userClaims(w, 'jane@contoso.example', {
        aud: GRAPH_API,
        iss: w.issuer('northwind'),
        tid: tenant('woodgrove'),
        idp: w.issuer('contoso'),
        scp: 'Directory.AccessAsUser.All',
      }),
    );
    assert.equal((await graph(w, mixed, 'GET', '/users')).status, 401);
    const forged = await sign(
      w,
      userClaims(w, 'jane@contoso.example', {
        aud: GRAPH_API,
        iss: w.issuer('northwind'),
        tid: tenant('northwind'),
        idp: 'https://sts.example.org/evil/v2.0',
        scp: 'Directory.AccessAsUser.All',
      }),
    );
    const forgedAnswer = await graph(w, forged, 'GET', '/users');
    assert.equal(forgedAnswer.status, 401);
    assert.equal(forgedAnswer.body.error.code, 'InvalidAuthenticationToken');
  });

  it('SPEC E3, reference §2.2: the AOBO sign-in is in the customer’s and the partner’s auditLogs/signIns as serviceProvider', async () => {
    const nancy = await mfaGraphToken(w, 'admin@northwind.example');
    const customerLog = await graph(w, nancy, 'GET', '/auditLogs/signIns');
    assert.equal(customerLog.status, 200);
    const row = (customerLog.body.value as Record<string, unknown>[]).find(
      (r) =>
        r.crossTenantAccessType === 'serviceProvider' && (r.status as { errorCode: number }).errorCode === 0,
    );
    assert.ok(row, 'the partner user’s sign-in is in the customer’s log');
    assert.equal(row.homeTenantId, tenant('contoso'));
    assert.equal(row.resourceTenantId, tenant('northwind'));
    assert.equal(row.userPrincipalName, 'jane@contoso.example');
    // Jane at home (Global Administrator of Contoso) sees her sign-ins into customers.
    const home = await mfaGraphToken(w, 'jane@contoso.example');
    const partnerLog = await graph(w, home, 'GET', '/auditLogs/signIns?$top=1000');
    assert.equal(partnerLog.status, 200);
    assert.ok(
      (partnerLog.body.value as Record<string, unknown>[]).some(
        (r) => r.id === row.id && r.crossTenantAccessType === 'serviceProvider',
      ),
    );
  });
});

describe('SPEC §9 with SPEC E3: revoking a partner user at home ends its access in customers too', () => {
  let w: TestWarden;
  before(async () => {
    w = await startWarden();
  });
  after(() => w.stop());

  it('SPEC §9: after the home tenant revokes Jane’s sessions, her Northwind token is refused and her Northwind chain is gone', async () => {
    const { tokens } = await delegatedSignIn(w, 'jane@contoso.example', 'northwind');
    assert.equal((await graph(w, tokens.access_token, 'GET', '/users')).status, 200);
    const jane = w.demo.users['jane@contoso.example']!;
    w.clock.advance(1000); // a revocation covers tokens issued before it
    await revokeUserSessions(w.ctx.db, jane.tenant, jane.id);
    w.clock.advance(3000); // the gates read the revocation list again
    const refused = await graph(w, tokens.access_token, 'GET', '/users');
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error.code, 'InvalidAuthenticationToken');
    const rp = await relyingParty(w, 'northwind');
    await assert.rejects(client.refreshTokenGrant(rp, tokens.refresh_token!), (error: unknown) => {
      assert.equal((error as { error?: string }).error, 'invalid_grant');
      return true;
    });
  });
});
