import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { totpFor } from '../src/authentication-methods/totp.ts';
import { dapReport } from '../src/delegated-admin/dap.ts';
import { listSignIns } from '../src/sign-in-logs/sign-in-log.ts';
import { delegatedSignIn } from './support/aobo.ts';
import { GLOBAL_ADMIN } from './support/gdap.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { startAuthorization } from './support/oidc.ts';
import { UserAgent } from './support/user-agent.ts';

/**
 * SPEC E3 (reference §2.1, §2.4): a partner's user signs in at a customer's authority with its home
 * credentials, always with MFA, and only while GDAP or DAP gives it a role there.
 */
describe('SPEC E3: partner users sign in at a customer’s authority (admin on behalf of)', () => {
  let w: TestWarden;
  const tenant = (key: string) => w.demo.tenants[key]!.id;
  const userId = (upn: string) => w.demo.users[upn]!.id;
  before(async () => {
    w = await startWarden();
  });
  after(() => w.stop());

  it('SPEC E3: Jane (DAP at Northwind, which has no MFA policy) is asked for MFA, and the log names the CSP enforcement', async () => {
    const { afterPassword } = await delegatedSignIn(w, 'jane@contoso.example', 'northwind');
    assert.equal(afterPassword, 'second_factor');
    const rows = await listSignIns(w.ctx.db, tenant('northwind'), { userId: userId('jane@contoso.example') });
    const interrupt = rows.find((r) => r.status.errorCode === 50074)!;
    assert.equal(interrupt.authenticationRequirement, 'multiFactorAuthentication');
    assert.equal(interrupt.authenticationRequirementPolicies[0]?.requirementProvider, 'enforcedForCspAdmins');
    const success = rows.find((r) => r.status.errorCode === 0)!;
    assert.equal(success.crossTenantAccessType, 'serviceProvider');
    assert.equal(success.homeTenantId, tenant('contoso'));
    assert.equal(success.resourceTenantId, tenant('northwind'));
    // Reference §1.11: the DAP inactivity report reads "last used" from these rows.
    const report = await dapReport(w.ctx.db, tenant('contoso'), w.clock.now());
    const northwind = report.find((c) => c.customerTenantId === tenant('northwind'))!;
    assert.equal(northwind.lastUsedAt, Date.parse(success.createdDateTime));
  });

  it('SPEC E3: John (Fabrikam: no MFA policy, no method) registers an authenticator first at Tailspin, then signs in with mfa', async () => {
    const { afterPassword, tokens } = await delegatedSignIn(w, 'john@fabrikam.example', 'tailspin');
    assert.equal(afterPassword, 'register_method');
    const claims = decodeJwt(tokens.access_token);
    assert.ok((claims.amr as string[]).includes('mfa'));
    assert.deepEqual(claims.wids, [GLOBAL_ADMIN]);
    const rows = await listSignIns(w.ctx.db, tenant('tailspin'), { userId: userId('john@fabrikam.example') });
    assert.ok(rows.some((r) => r.status.errorCode === 50079));
  });

  it('reference §2.6: a partner user with no access to this customer is refused with AADSTS50020 and a log row, not a password error', async () => {
    const start = await startAuthorization(w, 'northwind');
    const ua = new UserAgent();
    await ua.navigate(start.url);
    await ua.submit('password', { username: 'sam@contoso.example', password: w.demo.password });
    assert.equal(ua.lastStatus, 403);
    assert.equal(ua.step(), 'blocked');
    assert.match(ua.lastPage, /50020/);
    const [row] = await listSignIns(w.ctx.db, tenant('northwind'), { userId: userId('sam@contoso.example') });
    assert.equal(row?.status.errorCode, 50020);
    assert.equal(row?.crossTenantAccessType, 'serviceProvider');
    assert.equal(row?.homeTenantId, tenant('contoso'));
    // Adatum has only a pending request: no access for Jane either.
    const adatum = await startAuthorization(w, 'adatum');
    const ua2 = new UserAgent();
    await ua2.navigate(adatum.url);
    await ua2.submit('password', { username: 'jane@contoso.example', password: w.demo.password });
    assert.equal(ua2.lastStatus, 403);
    assert.match(ua2.lastPage, /50020/);
  });

  it('SPEC E3: a wrong home password at the customer’s authority is a password error (50126), before any access is revealed', async () => {
    const start = await startAuthorization(w, 'northwind');
    const ua = new UserAgent();
    await ua.navigate(start.url);
    await ua.submit('password', { username: 'sam@contoso.example', password: 'wrong password' });
    assert.equal(ua.lastStatus, 400);
    assert.equal(ua.step(), 'credentials');
    const rows = await listSignIns(w.ctx.db, tenant('northwind'), { userId: userId('sam@contoso.example') });
    assert.ok(rows.some((r) => r.status.errorCode === 50126));
  });

  it('SPEC E3: a user of a tenant that is no partner (another customer) is unknown at a customer’s authority', async () => {
    const start = await startAuthorization(w, 'northwind');
    const ua = new UserAgent();
    await ua.navigate(start.url);
    await ua.submit('password', { username: 'admin@woodgrove.example', password: w.demo.password });
    assert.equal(ua.step(), 'credentials');
    assert.equal(ua.lastStatus, 400);
  });

  it('SPEC E3: a partner that is no partner of this customer is a stranger here — its user is unknown (50126, even with the right password), and the customer’s log shows neither its id, its name nor its home tenant', async () => {
    // Jane is Contoso's; Tailspin is Fabrikam's customer, with no link or relationship to Contoso.
    const start = await startAuthorization(w, 'tailspin');
    const ua = new UserAgent();
    await ua.navigate(start.url);
    await ua.submit('password', { username: 'jane@contoso.example', password: w.demo.password });
    assert.equal(ua.step(), 'credentials');
    assert.equal(ua.lastStatus, 400);
    assert.doesNotMatch(ua.lastPage, /50020/);
    const rows = (await listSignIns(w.ctx.db, tenant('tailspin'))).filter(
      (r) => r.userPrincipalName === 'jane@contoso.example',
    );
    assert.ok(rows.length > 0);
    for (const row of rows) {
      assert.equal(row.status.errorCode, 50126);
      assert.equal(row.userId, null);
      assert.equal(row.homeTenantId, null);
      assert.equal(row.userDisplayName, null);
      assert.equal(row.crossTenantAccessType, 'none');
    }
  });

  it('SPEC E3: the customer’s own users sign in as before: own account id, no idp, no wids, no service-provider row', async () => {
    const { tokens } = await delegatedSignIn(w, 'admin@northwind.example', 'northwind');
    const claims = decodeJwt(tokens.access_token);
    const id = decodeJwt(tokens.id_token!);
    const nancy = userId('admin@northwind.example');
    assert.equal(claims.oid, nancy);
    assert.equal(id.sub, nancy);
    assert.equal(claims.tid, tenant('northwind'));
    assert.equal(claims.idp, undefined);
    assert.equal(claims.wids, undefined);
    const rows = await listSignIns(w.ctx.db, tenant('northwind'), { userId: nancy });
    assert.ok(rows.length > 0 && rows.every((r) => r.crossTenantAccessType === 'none'));
  });

  it('SPEC E3: the partner’s own log shows its users’ sign-ins into customers; a customer’s log shows only its tenant', async () => {
    const contosoRows = await listSignIns(w.ctx.db, tenant('contoso'));
    assert.ok(
      contosoRows.some((r) => r.resourceTenantId === tenant('northwind') && r.status.errorCode === 0),
    );
    const northwindRows = await listSignIns(w.ctx.db, tenant('northwind'));
    assert.ok(northwindRows.every((r) => r.resourceTenantId === tenant('northwind')));
    const fabrikamRows = await listSignIns(w.ctx.db, tenant('fabrikam'));
    assert.ok(fabrikamRows.every((r) => r.resourceTenantId !== tenant('northwind')));
  });

  it('SPEC E3: a session at the customer’s authority does not outlive the access: the next authorization asks to sign in again', async () => {
    const start = await startAuthorization(w, 'woodgrove');
    const ua = new UserAgent();
    await ua.navigate(start.url);
    await ua.submit('password', { username: 'jane@contoso.example', password: w.demo.password });
    w.clock.advance(30_000);
    const seed = w.demo.users['jane@contoso.example']!.totpSeed!;
    const done = await ua.submit('totp', { code: totpFor(seed).generate({ timestamp: w.clock.now() }) });
    assert.ok(done.startsWith('http://localhost:53682/'), done);
    // With the session, a new request goes straight back to the application.
    const again = await startAuthorization(w, 'woodgrove');
    assert.ok((await ua.navigate(again.url)).startsWith('http://localhost:53682/'));
    // Jane leaves the GDAP groups: the session no longer stands for an account here.
    await w.ctx.db
      .deleteFrom('group_members')
      .where('tenant_id', '=', tenant('contoso'))
      .where('user_id', '=', userId('jane@contoso.example'))
      .where('group_id', 'not in', (eb) =>
        eb
          .selectFrom('groups')
          .select('id')
          .where('tenant_id', '=', tenant('contoso'))
          .where('display_name', 'in', ['AdminAgents', 'SalesAgents', 'HelpdeskAgents']),
      )
      .execute();
    const after = await startAuthorization(w, 'woodgrove');
    await ua.navigate(after.url);
    assert.equal(ua.step(), 'credentials', `${ua.lastStatus} ${ua.lastPage.slice(0, 500)}`);
    await ua.submit('password', { username: 'jane@contoso.example', password: w.demo.password });
    assert.equal(ua.lastStatus, 403);
    assert.match(ua.lastPage, /50020/);
  });
});
