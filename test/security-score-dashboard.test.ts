import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setFirstRegistrationRequiresTap } from '../src/authentication-methods/temporary-access-pass/registration-setting.ts';
import { recalculateFigures } from '../src/compliance/daily-job.ts';
import { addDays, dayOf } from '../src/compliance/days.ts';
import { getTenant } from '../src/directory/tenants.ts';
import { storeSnapshot } from '../src/security-score/history.ts';
import { dashboardSignIn } from './support/dashboard.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { makeCustomer, makePartner } from './support/security-score.ts';
import type { UserAgent } from './support/user-agent.ts';
import { makeUser } from './support/users.ts';

/** The Security requirements page and the operator's program page over HTTP (issue 14 item 4). */

const PAGE = '/dashboard/security/requirements';
const PROGRAM = '/dashboard/program/security';
const DAY = 86_400_000;

const csrfOf = (page: string) => /name="csrf" value="([^"]+)"/.exec(page)![1]!;

let w: TestWarden;
let partner: { key: string; id: string };
let agent: UserAgent;
let agentId: string;
let agentUpn: string;

before(async () => {
  w = await startWarden();
  partner = await makePartner(w, 'reqs');
  const admin = await makeUser(w, {
    tenant: partner.key,
    name: 'agent',
    groups: ['AdminAgents'],
    roles: ['Global Administrator'],
    totp: true,
  });
  agentId = admin.id;
  agentUpn = admin.upn;
  const weak = await makeCustomer(w, partner.key, 'Weak Traders');
  await makeUser(w, { tenant: weak.key, name: 'weakboss', roles: ['Global Administrator'] });
  // Traffic: on the dashboard 2 of 10 operations with MFA (B1 = 20 %), on the API 3 without MFA,
  // 5 App-only (left out) and 2 with MFA (B2 = 40 %), yesterday.
  const now = w.clock.now();
  const yesterday = now - DAY;
  const at = (i: number) => yesterday + i;
  for (let i = 0; i < 10; i++)
    await w.ctx.requestLog.record({
      tenantId: partner.id,
      surface: 'dashboard',
      operation: 'customers.view',
      userId: agentId,
      userPrincipalName: agentUpn,
      mfaCompliant: i < 2,
      statusCode: 200,
      correlationId: `c-${i}`,
      ipAddress: '192.0.2.7',
      occurredAt: at(i),
    });
  for (let i = 0; i < 10; i++)
    await w.ctx.requestLog.record({
      tenantId: partner.id,
      surface: i < 5 ? 'api-app-only' : 'api-app-user',
      operation: 'GET /v1/customers',
      ...(i < 5 ? {} : { userId: agentId, userPrincipalName: agentUpn }),
      appId: '00000000-0000-4000-8000-00000000a001',
      mfaCompliant: i >= 8,
      statusCode: 200,
      correlationId: `api-${i}`,
      requestId: `req-${i}`,
      ipAddress: '198.51.100.9',
      occurredAt: at(100 + i),
    });
  await w.ctx.requestLog.flush();
  const tenant = (await getTenant(w.ctx.db, partner.id))!;
  const day = addDays(dayOf(now), -1);
  for (const d of [addDays(day, -2), addDays(day, -1), day])
    await recalculateFigures(w.ctx.db, tenant, d, now);
  for (const [i, score] of [50, 55, 60].entries())
    await storeSnapshot(w.ctx.db, partner.id, now - (2 - i) * DAY, {
      score,
      compliantRequirementsCount: 1,
      totalRequirementsCount: 4,
    });
  ({ ua: agent } = await dashboardSignIn(w, agentUpn, { mfa: true, returnTo: PAGE }));
});
after(() => w.stop());

describe('Issue 14 item 4: the Security requirements page', () => {
  it('SPEC §11: the score, each requirement with what to do, and the three figures with the reasons', async () => {
    await agent.navigate(`${w.baseUrl}${PAGE}`);
    assert.equal(agent.lastStatus, 200, agent.lastPage.slice(0, 500));
    const page = agent.lastPage;
    assert.match(page, /data-testid="security-score">\d+<\/span> of 100/);
    for (const type of [
      'mfaEnforcedForAdmins',
      'mfaEnforcedForAdminsOfCustomers',
      'securityAlertsPromptlyResolved',
      'securityContactProvided',
    ])
      assert.match(page, new RegExp(`data-requirement="${type}"`));
    assert.match(
      page,
      /data-requirement="securityContactProvided"><td>[^<]*<\/td><td><span class="status-noncompliant"/,
    );
    assert.match(page, /data-testid="figure-b1">20 %</);
    assert.match(page, /data-testid="figure-b2">40 %</);
    assert.match(page, /data-figure="b1">.*data-reason="requestsWithoutMfa">[^<]*: 8</s);
    // The customer whose administrator has no MFA method is named, with that administrator.
    assert.match(page, /Weak Traders<\/td><td><code>[0-9a-f-]{36}<\/code><\/td><td>weakboss\d+@/);
    // The account behind the non-MFA requests.
    assert.ok(page.includes(agentUpn));
  });

  it('Issue 14 item 4: the charts are SVG with role="img", a title and their numbers as a table; no inline style', async () => {
    await agent.navigate(`${w.baseUrl}${PAGE}`);
    const page = agent.lastPage;
    for (const id of ['trend-7', 'history-30', 'score-30']) {
      const svg = new RegExp(
        `<svg [^>]*role="img" aria-labelledby="${id}-title ${id}-desc"[^>]*>\\s*<title id="${id}-title">[^<]+</title>`,
      );
      assert.match(page, svg, id);
      assert.match(page, new RegExp(`data-testid="${id}-data"`), id);
    }
    const trend = /data-testid="trend-7-data">([\s\S]*?)<\/table>/.exec(page)![1]!;
    assert.equal((trend.match(/<tr><th scope="row">/g) ?? []).length, 7, 'seven days');
    assert.match(trend, /<td>20 %<\/td><td>40 %<\/td><\/tr>/, 'the last day: B1 20 %, B2 40 %');
    assert.match(page, /data-testid="score-30-data">[\s\S]*<td>60 of 100<\/td>/);
    assert.doesNotMatch(page, /\sstyle=/, 'no style attribute: the CSP forbids inline styles');
    assert.doesNotMatch(page, /<script/);
  });

  it('Reference §4.1: the downloads are CSV with Partner Center’s columns', async () => {
    const portal = await agent.request(`${w.baseUrl}${PAGE}/portal-requests-without-mfa.csv`);
    assert.equal(portal.status, 200);
    assert.match(portal.headers.get('content-type') ?? '', /^text\/csv/);
    assert.match(
      portal.headers.get('content-disposition') ?? '',
      /attachment; filename="portal-requests-without-mfa\.csv"/,
    );
    const portalLines = (await portal.text()).split('\r\n');
    assert.equal(portalLines[0], 'ObjectId,TenantId,Upn,LastNonMfaCompliantLoginDateTime');
    assert.ok(portalLines.some((l) => l.startsWith(`${agentId},${partner.id},${agentUpn},`)));

    const summary = await (await agent.request(`${w.baseUrl}${PAGE}/api-requests-summary.csv`)).text();
    const summaryLines = summary.split('\r\n');
    assert.equal(
      summaryLines[0],
      'LoginDate,MfaCompliantRequestCount,TotalRequestCount,ApplicationId,ApplicationName',
    );
    assert.match(
      summaryLines[1]!,
      /^\d{4}-\d\d-\d\dT00:00:00\.000Z,2,5,00000000-0000-4000-8000-00000000a001,/,
    );

    const all = await (await agent.request(`${w.baseUrl}${PAGE}/all-api-requests.csv`)).text();
    const allLines = all.split('\r\n').filter((l) => l !== '');
    assert.equal(
      allLines[0],
      'RequestId,CorrelationId,OperationName,RequestDateTime,IpAddress,ObjectId,TenantId,Upn,ApplicationId,MfaCompliant',
    );
    assert.equal(allLines.length, 1 + 5, 'the App+User requests only');
    assert.ok(allLines.some((l) => l.startsWith('req-9,api-9,GET /v1/customers,') && l.endsWith(',true')));
    assert.ok(allLines.some((l) => l.includes('198.51.100.9') && l.endsWith(',false')));
  });

  it('Reference §4.2: the security contact is validated, saved and then meets securityContactProvided', async () => {
    await agent.navigate(`${w.baseUrl}${PAGE}`);
    const csrf = csrfOf(agent.lastPage);
    await agent.navigate(`${w.baseUrl}${PAGE}/contact`, {
      form: { csrf, name: 'Sec Team', email: 'not-an-address', phone: '+1 425 555 0100' },
    });
    assert.equal(agent.lastStatus, 400);
    assert.match(agent.lastPage, /id="contact-email-error"/);
    assert.match(agent.lastPage, /value="not-an-address"/, 'the form keeps what was typed');
    const bad = await agent.request(`${w.baseUrl}${PAGE}/contact`, {
      form: { csrf, name: 'Sec Team', email: 'sec@example.com', phone: 'call me' },
    });
    assert.equal(bad.status, 400);
    const forged = await agent.request(`${w.baseUrl}${PAGE}/contact`, {
      form: { csrf: 'forged', name: 'Sec Team', email: 'sec@example.com', phone: '+1 425 555 0100' },
    });
    assert.equal(forged.status, 403, 'the form needs the session’s CSRF token');
    await agent.navigate(`${w.baseUrl}${PAGE}/contact`, {
      form: { csrf, name: 'Sec Team', email: 'Sec@Example.com', phone: '+1 425 555 0100' },
    });
    assert.equal(agent.lastStatus, 200);
    assert.match(
      agent.lastPage,
      /data-testid="contact-on-file">On file: Sec Team, sec@example.com, \+1 425 555 0100\./,
    );
    assert.match(
      agent.lastPage,
      /data-requirement="securityContactProvided"><td>[^<]*<\/td><td><span class="status-compliant"/,
    );
    const audit = await w.ctx.db
      .selectFrom('audit_events')
      .selectAll()
      .where('tenant_id', '=', partner.id)
      .where('activity', '=', 'Set security contact')
      .execute();
    assert.equal(audit.length, 1, 'the refused forms changed nothing; the saved one is in the audit log');
    assert.equal(audit[0]!.actor_user_id, agentId);
  });

  it('Issue 15 item 2: the page recommends requiring a Temporary Access Pass for a first registration, and says when it is on', async () => {
    await agent.navigate(`${w.baseUrl}${PAGE}`);
    assert.match(
      agent.lastPage,
      /data-testid="first-registration-tap"><strong>Recommended:<\/strong> off now/,
    );
    await setFirstRegistrationRequiresTap(w.ctx.db, partner.id, true, w.clock.now());
    try {
      await agent.navigate(`${w.baseUrl}${PAGE}`);
      assert.match(agent.lastPage, /data-testid="first-registration-tap">On:/);
    } finally {
      await setFirstRegistrationRequiresTap(w.ctx.db, partner.id, false, w.clock.now());
    }
  });

  it('SPEC E1: a Sales agent is refused (403); without MFA the page asks for it first', async () => {
    const sales = await makeUser(w, {
      tenant: partner.key,
      name: 'sales',
      groups: ['SalesAgents'],
      totp: true,
    });
    const { ua } = await dashboardSignIn(w, sales.upn, { mfa: true });
    await ua.navigate(`${w.baseUrl}${PAGE}`);
    assert.equal(ua.lastStatus, 403);
    assert.match(ua.lastPage, /data-testid="forbidden-roles"/);
    const csv = await ua.request(`${w.baseUrl}${PAGE}/all-api-requests.csv`);
    assert.equal(csv.status, 403);
    // An Admin agent with no directory role: security defaults do not ask it for MFA at sign-in.
    const plainAgent = await makeUser(w, {
      tenant: partner.key,
      name: 'plainagent',
      groups: ['AdminAgents'],
      totp: true,
    });
    const { ua: noMfa } = await dashboardSignIn(w, plainAgent.upn, { mfa: false });
    const res = await noMfa.request(`${w.baseUrl}${PAGE}`);
    assert.equal(res.status, 303, 'a session without MFA is sent to do MFA');
  });
});

describe('Issue 14 item 4: the operator’s program page', () => {
  let operator: UserAgent;
  before(async () => {
    const admin = await makeUser(w, {
      tenant: 'operator',
      name: 'op',
      roles: ['Global Administrator'],
      totp: true,
    });
    ({ ua: operator } = await dashboardSignIn(w, admin.upn, { mfa: true }));
    // A second partner of the test's own, every requirement met in its snapshot.
    const good = await makePartner(w, 'good');
    await storeSnapshot(w.ctx.db, good.id, w.clock.now(), {
      score: 100,
      compliantRequirementsCount: 4,
      totalRequirementsCount: 4,
    });
  });

  const partnerOrder = (page: string) => [...page.matchAll(/<tr data-partner="([^"]+)"/g)].map((m) => m[1]!);

  it('every partner with its score, figures and a sparkline trend with its numbers as text', async () => {
    await operator.navigate(`${w.baseUrl}${PROGRAM}`);
    assert.equal(operator.lastStatus, 200, operator.lastPage.slice(0, 400));
    const row = new RegExp(`<tr data-partner="${partner.id}">([\\s\\S]*?)</tr>`).exec(operator.lastPage)![1]!;
    assert.match(row, /data-testid="score">60</);
    assert.match(row, /<td>20 %<\/td><td>40 %<\/td>/);
    assert.match(row, /<svg [^>]*role="img" aria-label="[^"]*: 50, 55, 60"/);
    assert.match(row, /sparkline-numbers">50, 55, 60</);
    assert.match(
      operator.lastPage,
      /href="\/dashboard\/program\/security"/,
      'the operator’s navigation has the page',
    );
  });

  it('sorted by a column on the server, both ways, and filtered to non-compliant partners', async () => {
    await operator.navigate(`${w.baseUrl}${PROGRAM}?sort=score&dir=desc`);
    const desc = partnerOrder(operator.lastPage);
    await operator.navigate(`${w.baseUrl}${PROGRAM}?sort=score&dir=asc`);
    const asc = partnerOrder(operator.lastPage);
    const scored = (list: string[]) => list.filter((id) => id === partner.id || asc.indexOf(id) >= 0);
    const good = desc[0]!;
    assert.ok(desc.indexOf(good) < desc.indexOf(partner.id), 'score 100 before score 60 descending');
    assert.ok(asc.indexOf(partner.id) < asc.indexOf(good), 'and after it ascending');
    assert.equal(scored(desc).length, scored(asc).length);
    assert.match(operator.lastPage, /aria-sort="ascending"><a href="[^"]*sort=score&amp;dir=desc/);

    await operator.navigate(`${w.baseUrl}${PROGRAM}?filter=noncompliant`);
    const noncompliant = partnerOrder(operator.lastPage);
    assert.ok(noncompliant.includes(partner.id));
    assert.ok(!noncompliant.includes(good), 'the partner meeting every requirement is filtered out');

    const bad = await operator.request(`${w.baseUrl}${PROGRAM}?sort=password`);
    assert.equal(bad.status, 400);
  });

  it('the requirements page is a partner’s: the operator’s admin is sent to the program page (403)', async () => {
    await operator.navigate(`${w.baseUrl}${PAGE}`);
    assert.equal(operator.lastStatus, 403);
    assert.match(operator.lastPage, /href="\/dashboard\/program\/security"/);
    const csv = await operator.request(`${w.baseUrl}${PAGE}/all-api-requests.csv`);
    assert.equal(csv.status, 403);
  });

  it('ACCESS program: a partner’s Global admin (not the operator) is refused 403', async () => {
    await agent.navigate(`${w.baseUrl}${PROGRAM}`);
    assert.equal(agent.lastStatus, 403);
    assert.doesNotMatch(
      agent.lastPage,
      /href="\/dashboard\/program\/security"/,
      'nor is it in a partner’s navigation',
    );
  });
});
