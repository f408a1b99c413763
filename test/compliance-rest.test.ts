import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { addDays, dayOf } from '../src/compliance/days.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { appOnlyToken, callApi, sign, userClaims, userToken } from './support/tokens.ts';
import { makeUser } from './support/users.ts';

/**
 * SPEC §11, reference §4.1: Partner Center's REST downloads of the security requirements status,
 * fed by requests through the real Partner API gate, and the operator's recalculation on demand.
 */
describe('SPEC §11: the security requirements status over the Partner API', () => {
  let w: TestWarden;
  let jane: string;
  let operator: string;
  /** An application id of this test's own, so that its counts are this test's traffic only. */
  const appId = randomUUID();
  let agent: Awaited<ReturnType<typeof makeUser>>;

  before(async () => {
    w = await startWarden();
    jane = await userToken(w, 'jane@contoso.example');
    const admin = await makeUser(w, {
      tenant: 'operator',
      name: 'programadmin',
      roles: ['Global Administrator'],
      totp: true,
    });
    operator = await userToken(w, admin.upn);
    agent = await makeUser(w, { name: 'agent', groups: ['AdminAgents'] });
  });
  after(() => w.stop());

  const tokenOf = (amr: string[]) => sign(w, userClaims(w, agent.upn, { amr, appid: appId, azp: appId }));

  it('SPEC §11 B2 through the gate: an MFA request and two refused non-MFA ones (401 mfa_required) all count; the downloads show them with Partner Center’s fields', async () => {
    const withMfa = await tokenOf(['pwd', 'otp', 'mfa']);
    const withoutMfa = await tokenOf(['pwd']);
    assert.equal((await callApi(w, 'GET', '/v1/customers', { token: withMfa })).status, 200);
    for (let i = 0; i < 2; i++) {
      const refused = await callApi(w, 'GET', '/v1/customers', {
        token: withoutMfa,
        headers: { 'ms-requestid': randomUUID() },
      });
      assert.equal(refused.status, 401);
      assert.equal(refused.body.wardenCode, 'mfa_required');
    }
    // App-only requests are left out of B2 and of every download.
    assert.equal((await callApi(w, 'GET', '/v1/customers', { token: await appOnlyToken(w) })).status, 200);

    const adoption = await callApi(w, 'GET', '/v1/applicationmfaadoptionstatus', { token: jane });
    assert.equal(adoption.status, 200);
    assert.ok(Array.isArray(adoption.body), 'a bare JSON array');
    const mine = adoption.body.filter((r: { applicationId: string }) => r.applicationId === appId);
    assert.deepEqual(mine, [
      {
        loginDate: `${dayOf(w.clock.now())}T00:00:00.000Z`,
        mfaCompliantRequestCount: 1,
        totalRequestCount: 3,
        applicationId: appId,
        applicationName: appId,
      },
    ]);

    // A multi-tenant application registered elsewhere (the operator's warden-cli) is named.
    const cli = adoption.body.find(
      (r: { applicationId: string }) => r.applicationId === w.demo.clients['warden-cli']!.clientId,
    );
    assert.equal(cli?.applicationName, 'Warden CLI');

    const principals = await callApi(w, 'GET', '/v1/nonMfaCompliantPartnerPrincipals?surface=api', {
      token: jane,
    });
    assert.equal(principals.status, 200);
    assert.equal(principals.body.attributes.objectType, 'Collection');
    assert.equal(principals.body.totalCount, principals.body.items.length);
    const principal = principals.body.items.find((p: { objectId: string }) => p.objectId === agent.id);
    assert.deepEqual(Object.keys(principal).sort(), [
      'lastNonMfaCompliantRequestDateTime',
      'objectId',
      'tenantId',
      'upn',
    ]);
    assert.equal(principal.upn, agent.upn);
    assert.equal(principal.tenantId, w.demo.tenants.contoso!.id);

    const requests = await callApi(w, 'GET', '/v1/partnerRequests', { token: jane });
    assert.equal(requests.status, 200);
    assert.equal(requests.body.attributes.objectType, 'Collection');
    const agents = requests.body.items.filter((r: { objectId: string }) => r.objectId === agent.id);
    assert.deepEqual(
      agents.map((r: { mfaCompliant: boolean }) => r.mfaCompliant),
      [false, false, true],
      'newest first',
    );
    assert.deepEqual(Object.keys(agents[0]).sort(), [
      'applicationId',
      'correlationId',
      'ipAddress',
      'mfaCompliant',
      'objectId',
      'operationName',
      'requestDateTime',
      'requestId',
      'tenantId',
      'upn',
    ]);
    assert.equal(agents[0].operationName, 'customers.list');
    assert.equal(agents[0].ipAddress, '127.0.0.1');
    assert.match(agents[0].requestId, /^[0-9a-f-]{36}$/);
    assert.ok(
      requests.body.items.every((r: { objectId: string }) => r.objectId !== ''),
      'no app-only request',
    );
  });

  it('SPEC §11: the portal download lists the dashboard’s accounts without MFA; the default surface is the dashboard', async () => {
    await w.ctx.requestLog.record({
      tenantId: w.demo.tenants.contoso!.id,
      surface: 'dashboard',
      operation: 'dashboard.customers',
      userId: agent.id,
      userPrincipalName: agent.upn,
      mfaCompliant: false,
      statusCode: 303,
      outcome: 'unauthorized',
      correlationId: randomUUID(),
      occurredAt: w.clock.now(),
    });
    const res = await callApi(w, 'GET', '/v1/nonMfaCompliantPartnerPrincipals', { token: jane });
    assert.equal(res.status, 200);
    assert.ok(res.body.items.some((p: { objectId: string }) => p.objectId === agent.id));
    const bad = await callApi(w, 'GET', '/v1/nonMfaCompliantPartnerPrincipals?surface=graph', {
      token: jane,
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.wardenCode, 'invalid_request');
  });

  it('SPEC §11, E2: the downloads are App+User only, for Admin agents, Security and Global admins; another partner sees none of Contoso’s', async () => {
    const appOnly = await callApi(w, 'GET', '/v1/partnerRequests', { token: await appOnlyToken(w) });
    assert.equal(appOnly.status, 403);
    assert.equal(appOnly.body.wardenCode, 'app_only_not_allowed');
    const sales = await callApi(w, 'GET', '/v1/partnerRequests', {
      token: await userToken(w, 'sam@contoso.example'),
    });
    assert.equal(sales.status, 403);
    assert.equal(sales.body.wardenCode, 'role_required');
    const security = await callApi(w, 'GET', '/v1/securityRequirementsStatus', {
      token: await userToken(w, 'sky@contoso.example'),
    });
    assert.equal(security.status, 200);
    const fabrikam = await makeUser(w, { tenant: 'fabrikam', name: 'fabagent', groups: ['AdminAgents'] });
    const other = await sign(w, userClaims(w, fabrikam.upn));
    const theirs = await callApi(w, 'GET', '/v1/partnerRequests', { token: other });
    assert.equal(theirs.status, 200);
    assert.ok(
      theirs.body.items.every((r: { tenantId: string }) => r.tenantId === w.demo.tenants.fabrikam!.id),
    );
    assert.ok(!theirs.body.items.some((r: { objectId: string }) => r.objectId === agent.id));
  });

  it('SPEC §11: the operator recalculates on demand (one partner or all, a complete UTC day); partners read the result in /v1/securityRequirementsStatus', async () => {
    const contoso = w.demo.tenants.contoso!.id;
    const today = dayOf(w.clock.now());
    const yesterday = addDays(today, -1);
    const partner = await callApi(w, 'POST', '/v1/program/compliance/recalculate', { token: jane, body: {} });
    assert.equal(partner.status, 403);
    assert.equal(partner.body.wardenCode, 'operator_only');
    for (const body of [
      { day: today },
      { day: '2026-02-30' },
      { day: 'yesterday' },
      { tenantId: 'x' },
      { other: 1 },
    ]) {
      const res = await callApi(w, 'POST', '/v1/program/compliance/recalculate', { token: operator, body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.wardenCode, 'invalid_request');
    }
    const unknown = await callApi(w, 'POST', '/v1/program/compliance/recalculate', {
      token: operator,
      body: { tenantId: w.demo.tenants.northwind!.id },
    });
    assert.equal(unknown.status, 404, 'a customer tenant is not a partner');

    const one = await callApi(w, 'POST', '/v1/program/compliance/recalculate', {
      token: operator,
      body: { tenantId: contoso.toUpperCase(), day: yesterday },
    });
    assert.equal(one.status, 200);
    assert.deepEqual(
      one.body.items.map((f: { tenantId: string; day: string }) => [f.tenantId, f.day]),
      [[contoso, yesterday]],
    );
    w.clock.advance(1_000);
    const again = await callApi(w, 'POST', '/v1/program/compliance/recalculate', { token: operator });
    assert.equal(again.status, 200);
    const partners = await w.ctx.db
      .selectFrom('tenants')
      .select('id')
      .where('kind', '=', 'partner')
      .execute();
    assert.equal(again.body.totalCount, partners.length, 'every partner, yesterday by default');
    const stored = await w.ctx.db
      .selectFrom('daily_figures')
      .selectAll()
      .where('tenant_id', '=', contoso)
      .where('day', '=', yesterday)
      .execute();
    assert.equal(stored.length, 1);
    assert.ok(Number(stored[0]!.computed_at) > one.body.items[0].computedAt, 'replaced');

    const status = await callApi(w, 'GET', '/v1/securityRequirementsStatus?days=7', { token: jane });
    assert.equal(status.status, 200);
    assert.equal(status.body.current.day, yesterday);
    assert.equal(status.body.current.tenantId, contoso);
    assert.equal(status.body.history.at(-1).day, yesterday);
    assert.ok(status.body.history.length <= 7);
  });
});
