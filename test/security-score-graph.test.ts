import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { insightCustomersOf, mayNameCustomerAdmins } from '../src/delegated-admin/customer-insight-access.ts';
import { getTenant } from '../src/directory/tenants.ts';
import { linkCustomer } from '../src/partner-center/customers.ts';
import { changeFraudEventStatus, raiseFraudEvent } from '../src/security-alerts/fraud-events.ts';
import { setSecurityContact } from '../src/security-score/contact.ts';
import { computeSecurityScore } from '../src/security-score/score.ts';
import { runSecurityScoreClock } from '../src/security-score/score-clock.ts';
import { appWithRoles, mfaGraphToken } from './support/gdap.ts';
import { graphToken } from './support/graph.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { makeCustomer, makePartner } from './support/security-score.ts';
import { callApi } from './support/tokens.ts';
import { makeUser } from './support/users.ts';

const SCORE = '/beta/security/partner/securityScore';
const DAY = 86_400_000;

describe('Reference §4.2: the partner security score in Graph beta', () => {
  let w: TestWarden;
  let partner: { key: string; id: string };
  let token: string;
  let adminUpn: string;
  let customerAdmin: string;
  let weakAdmin: string;

  before(async () => {
    w = await startWarden();
    partner = await makePartner(w, 'acme');
    // The partner: one administrator using MFA (the caller), one without a method, one disabled
    // (left out), and an ordinary user.
    const admin = await makeUser(w, {
      tenant: partner.key,
      name: 'ada',
      roles: ['Global Administrator'],
      groups: ['AdminAgents'],
      totp: true,
    });
    adminUpn = admin.upn;
    await makeUser(w, { tenant: partner.key, name: 'sec', roles: ['Security Administrator'] });
    await makeUser(w, {
      tenant: partner.key,
      name: 'old',
      roles: ['Global Administrator'],
      accountEnabled: false,
    });
    await makeUser(w, { tenant: partner.key, name: 'plain', totp: true });
    // Two customers: one whose administrator uses MFA, one whose administrator has no method.
    const good = await makeCustomer(w, partner.key, 'Good Co');
    const weak = await makeCustomer(w, partner.key, 'Weak Co');
    customerAdmin = (
      await makeUser(w, { tenant: good.key, name: 'boss', roles: ['Global Administrator'], totp: true })
    ).upn;
    weakAdmin = (await makeUser(w, { tenant: weak.key, name: 'boss', roles: ['Global Administrator'] })).upn;
    token = await graphToken(w, adminUpn);
  });
  after(() => w.stop());

  it('reference §4.2: requirements with score, maxScore, status, state, action and help links; weights sum to 100', async () => {
    const res = await callApi(w, 'GET', `${SCORE}/requirements`, { token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.match(
      res.body['@odata.context'],
      /\/beta\/\$metadata#security\/partner\/securityScore\/requirements$/,
    );
    const byType = Object.fromEntries(
      res.body.value.map((r: { requirementType: string }) => [r.requirementType, r]),
    );
    assert.deepEqual(Object.keys(byType).sort(), [
      'mfaEnforcedForAdmins',
      'mfaEnforcedForAdminsOfCustomers',
      'securityAlertsPromptlyResolved',
      'securityContactProvided',
    ]);
    const total = res.body.value.reduce((s: number, r: { maxScore: number }) => s + r.maxScore, 0);
    assert.equal(total, 100);
    const admins = byType.mfaEnforcedForAdmins;
    assert.equal(
      admins['@odata.type'],
      '#microsoft.graph.partner.security.adminsMfaEnforcedSecurityRequirement',
    );
    assert.equal(admins.totalAdminsCount, 2, 'the disabled administrator is left out');
    assert.equal(admins.mfaEnabledAdminsCount, 1);
    assert.equal(admins.adminsRequiredNotUsingMfaCount, 1);
    assert.equal(admins.totalUsersCount, 3);
    // Security defaults prompt a user without an administrator role only on a risky sign-in: the
    // ordinary user's method does not make MFA enforced on it.
    assert.equal(admins.mfaEnabledUsersCount, 1);
    assert.equal(admins.usersRequiredNotUsingMfaCount, 2);
    assert.equal(admins.securityDefaultsStatus, 'enabled');
    assert.equal(admins.mfaConditionalAccessPolicyStatus, 'disabled');
    assert.equal(admins.legacyPerUserMfaStatus, 'disabled');
    assert.equal(admins.complianceStatus, 'nonCompliant');
    assert.equal(admins.score, 20, 'half the administrators: half of 40');
    assert.equal(admins.state, 'active');
    assert.match(admins.actionUrl, /\/dashboard\/security\/requirements#admins$/);
    assert.match(admins.helpUrl, /^docs\/security-score\.md#/);
    assert.match(admins.updatedDateTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const customers = byType.mfaEnforcedForAdminsOfCustomers;
    assert.equal(customers.totalTenantCount, 2);
    assert.equal(customers.compliantTenantCount, 1);
    assert.equal(customers.score, 15);
    assert.equal(customers.complianceStatus, 'nonCompliant');
    assert.equal(byType.securityContactProvided.score, 0);
    assert.equal(byType.securityContactProvided.complianceStatus, 'nonCompliant');
    // No alert in the last 30 days: nothing was left unanswered.
    assert.equal(byType.securityAlertsPromptlyResolved.score, 20);
    assert.equal(byType.securityAlertsPromptlyResolved.complianceStatus, 'compliant');
  });

  it('reference §4.2: securityContactProvided once the partner sets a contact; the score is the sum', async () => {
    await setSecurityContact(
      w.ctx.db,
      partner.id,
      { name: 'Sec Ops', email: 'SecOps@acme.example', phone: '+1 425 555 0101' },
      { tenantId: partner.id, userId: null, appId: null, name: 'test' },
      w.clock.now(),
    );
    const res = await callApi(w, 'GET', `${SCORE}?$expand=requirements`, { token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.id, partner.id);
    assert.equal(res.body.maxScore, 100);
    assert.equal(res.body.currentScore, 20 + 15 + 20 + 10);
    const contact = res.body.requirements.find(
      (r: { requirementType: string }) => r.requirementType === 'securityContactProvided',
    );
    assert.equal(contact.complianceStatus, 'compliant');
    assert.equal(contact.score, 10);
    assert.equal(res.body.history, undefined, 'history only when expanded');
  });

  it('reference §4.2: customerInsights name each customer tenant and its admins’ MFA', async () => {
    const res = await callApi(w, 'GET', `${SCORE}/customerInsights`, { token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.value.length, 2);
    const good = res.body.value.find(
      (c: { tenantId: string }) => c.tenantId === w.demo.users[customerAdmin]!.tenant,
    );
    assert.deepEqual(good.mfa, {
      compliantAdminsCount: 1,
      compliantNonAdminsCount: 0,
      totalUsersCount: 1,
      securityDefaultsStatus: 'enabled',
      mfaConditionalAccessPolicyStatus: 'disabled',
      legacyPerUserMfaStatus: 'disabled',
    });
    const weak = res.body.value.find((c: { tenantId: string }) => c !== good);
    assert.equal(weak.mfa.compliantAdminsCount, 0);
    assert.equal(weak.mfa.totalUsersCount, 1);
    // Paging by key: $top=1 gives a nextLink that serves the other one.
    const first = await callApi(w, 'GET', `${SCORE}/customerInsights?$top=1`, { token });
    assert.equal(first.body.value.length, 1);
    const next = new URL(first.body['@odata.nextLink']);
    const second = await callApi(w, 'GET', `${next.pathname}${next.search}`, { token });
    assert.equal(second.body.value.length, 1);
    assert.notEqual(second.body.value[0].tenantId, first.body.value[0].tenantId);
    assert.equal(second.body['@odata.nextLink'], undefined);
  });

  it('reference §4.2 history: one snapshot per UTC day, stored once however many instances run the job', async () => {
    const now = w.clock.now();
    const stored = await Promise.all([
      runSecurityScoreClock(w.ctx.db, now, w.baseUrl),
      runSecurityScoreClock(w.ctx.db, now, w.baseUrl),
    ]);
    const ours = await w.ctx.db
      .selectFrom('security_score_history')
      .selectAll()
      .where('tenant_id', '=', partner.id)
      .execute();
    assert.equal(ours.length, 1, 'racing instances store the day once');
    assert.ok(stored[0]! + stored[1]! >= 1);
    assert.equal(
      await runSecurityScoreClock(w.ctx.db, w.clock.now(), w.baseUrl),
      0,
      'nothing due: nothing stored',
    );
    // The job is given the time (Warden's clock in serve): the next UTC day is due again.
    assert.ok((await runSecurityScoreClock(w.ctx.db, now + DAY, w.baseUrl)) >= 1, 'the next day is due');

    const res = await callApi(w, 'GET', `${SCORE}/history`, { token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.value.length, 2);
    for (const h of res.body.value) {
      assert.equal(h.score, 65);
      assert.equal(h.compliantRequirementsCount, 2);
      assert.equal(h.totalRequirementsCount, 4);
      assert.match(h.createdDateTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    }
    assert.ok(res.body.value[0].createdDateTime < res.body.value[1].createdDateTime, 'oldest first');
    const expanded = await callApi(w, 'GET', `${SCORE}?$expand=requirements,history,customerInsights`, {
      token,
    });
    assert.equal(expanded.body.history.length, 2);
    assert.equal(expanded.body.customerInsights.length, 2);
    assert.equal(expanded.body.lastRefreshDateTime, res.body.value[1].createdDateTime);
  });

  it('Graph: $expand of something else and $filter are refused with Request_UnsupportedQuery', async () => {
    for (const path of [
      `${SCORE}?$expand=alerts`,
      `${SCORE}?$top=1`,
      `${SCORE}/requirements?$filter=score eq 10`,
    ]) {
      const res = await callApi(w, 'GET', path, { token });
      assert.equal(res.status, 400, path);
      assert.equal(res.body.error.code, 'Request_UnsupportedQuery', path);
    }
  });

  it('Only the partner tenant’s own score: a customer tenant’s administrator and a Sales agent are refused 403', async () => {
    const customerToken = await graphToken(w, customerAdmin);
    const refused = await callApi(w, 'GET', SCORE, { token: customerToken });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'Authorization_RequestDenied');
    const sales = await makeUser(w, {
      tenant: partner.key,
      name: 'sally',
      groups: ['SalesAgents'],
      totp: true,
    });
    const salesRes = await callApi(w, 'GET', SCORE, { token: await mfaGraphToken(w, sales.upn) });
    assert.equal(salesRes.status, 403);
    assert.equal(salesRes.body.error.code, 'Authorization_RequestDenied');
  });

  it('PartnerSecurity.Read.All (application): an app of the partner reads its score; without it, 403', async () => {
    const reader = await appWithRoles(w, partner.key, ['PartnerSecurity.Read.All']);
    const ok = await callApi(w, 'GET', SCORE, { token: reader });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.id, partner.id);
    const other = await appWithRoles(w, partner.key, ['User.Read.All']);
    const no = await callApi(w, 'GET', SCORE, { token: other });
    assert.equal(no.status, 403);
    assert.equal(no.body.error.code, 'Authorization_RequestDenied');
  });
  it('securityAlertsPromptlyResolved from the partner’s fraud events (alertResponse): one resolved in 2 h, one open for 30 h', async () => {
    const now = w.clock.now();
    const HOUR = 3_600_000;
    const raise = (subscriptionId: string, at: number) =>
      raiseFraudEvent(
        w.ctx.db,
        w.baseUrl,
        {
          partnerTenantId: partner.id,
          customerTenantId: w.demo.users[customerAdmin]!.tenant,
          subscriptionId,
          eventType: 'UsageAnomalyDetection',
          severity: 'High',
          confidenceLevel: 'High',
          displayName: 'Usage anomaly',
          description: 'Usage far above its history',
          entityName: 'vm-1',
          serviceName: 'Compute',
          firstObservedAt: at,
          lastObservedAt: at,
          source: 'operator',
          raisedBy: 'operator',
        },
        at,
      );
    const fast = crypto.randomUUID();
    const { event } = await raise(fast, now - 10 * HOUR);
    await changeFraudEventStatus(
      w.ctx.db,
      partner.id,
      fast,
      [event.id],
      { status: 'Resolved', reason: 'Fraud' },
      adminUpn,
      now - 8 * HOUR,
    );
    await raise(crypto.randomUUID(), now - 30 * HOUR);
    const res = await callApi(w, 'GET', `${SCORE}/requirements`, { token });
    const alerts = res.body.value.find(
      (r: { requirementType: string }) => r.requirementType === 'securityAlertsPromptlyResolved',
    );
    assert.equal(alerts.score, 10, 'one of two alerts answered within 24 h: half of 20');
    assert.equal(alerts.complianceStatus, 'nonCompliant');
    assert.match(alerts.actionUrl, /\/dashboard\/security\/alerts$/);
  });

  it('Security review finding 2: customerInsights carry counts only — no customer’s user is named or identified', async () => {
    const weakUser = w.demo.users[weakAdmin]!;
    for (const path of [`${SCORE}/customerInsights`, `${SCORE}?$expand=customerInsights`]) {
      const res = await callApi(w, 'GET', path, { token });
      assert.equal(res.status, 200, path);
      const text = JSON.stringify(res.body);
      assert.ok(!text.includes(weakAdmin), `${path}: no administrator's UPN`);
      assert.ok(!text.includes(weakUser.id), `${path}: no administrator's object id`);
      assert.doesNotMatch(text, /userPrincipalName|adminsWithoutMfa/, path);
    }
  });
});

describe('Security review finding 2: which customers’ MFA insight a partner sees (delegated-admin)', () => {
  let w: TestWarden;
  before(async () => {
    w = await startWarden();
  });
  after(() => w.stop());

  const profile = {
    email: 'admin@example.com',
    phone: '+1 425 555 0100',
    addressLine1: '1 Main St',
    city: 'Redmond',
    postalCode: '98052',
    culture: 'en-US',
    language: 'en',
  };
  /** A customers row of `partnerTenantId` naming `tenantId`, whatever that tenant is. */
  const link = (partnerTenantId: string, tenantId: string, companyName: string) =>
    linkCustomer(
      w.ctx.db,
      partnerTenantId,
      {
        customerTenantId: tenantId,
        companyName,
        domain: `${companyName.toLowerCase().replace(/\W/g, '')}.example`,
        country: 'US',
        profile,
        relationship: 'reseller',
        delegatedAdmin: 'none',
      },
      w.clock.now(),
    );

  it('only the partner’s own customers per the customers table, each a customer tenant; no GDAP or DAP needed', async () => {
    const partner = await makePartner(w, 'scope');
    const own = await makeCustomer(w, partner.key, 'Own Customer');
    const other = await makePartner(w, 'stranger');
    const theirs = await makeCustomer(w, other.key, 'Their Customer');
    // Rows that name what is not a customer tenant of this partner: another partner, the operator, itself.
    await link(partner.id, other.id, 'Another Partner');
    await link(partner.id, w.demo.tenants.operator!.id, 'The Operator');
    await link(partner.id, partner.id, 'Itself');
    const seen = await insightCustomersOf(w.ctx.db, partner.id, 500);
    assert.deepEqual(
      seen.map((c) => [c.tenant.id, c.companyName]),
      [[own.id, 'Own Customer']],
    );
    assert.equal(seen[0]!.tenant.kind, 'customer');
    const noGdap = await w.ctx.db
      .selectFrom('delegated_admin_relationships')
      .select('id')
      .where('partner_tenant_id', '=', partner.id)
      .execute();
    assert.deepEqual(noGdap, [], 'seen without any GDAP relationship');
    assert.ok(!(await insightCustomersOf(w.ctx.db, partner.id, 500)).some((c) => c.tenant.id === theirs.id));
    // A tenant that is not a partner sees none, even with a customers row.
    await link(w.demo.tenants.operator!.id, own.id, 'Own Customer');
    assert.deepEqual(await insightCustomersOf(w.ctx.db, w.demo.tenants.operator!.id, 500), []);
    // The score reads its customers through this decision.
    const score = await computeSecurityScore(
      w.ctx.db,
      (await getTenant(w.ctx.db, partner.id))!,
      w.clock.now(),
      w.baseUrl,
    );
    assert.deepEqual(
      score.customers.map((c) => c.tenantId),
      [own.id],
    );
  });

  it('names of customers’ administrators only to a session with MFA, not one admitted under a technical exception', () => {
    assert.equal(mayNameCustomerAdmins({ underException: false }), true);
    assert.equal(mayNameCustomerAdmins({ underException: true }), false);
  });
});
