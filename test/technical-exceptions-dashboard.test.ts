import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dashboardSignIn } from './support/dashboard.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { completeSecondStep } from './support/oidc.ts';
import type { UserAgent } from './support/user-agent.ts';
import { type MadeUser, makeUser } from './support/users.ts';

const DAY = 86_400_000;
const REVIEW = '/dashboard/program/exceptions';
const FILE = '/dashboard/technical-exceptions';

function csrfOf(page: string): string {
  return /name="csrf" value="([^"]+)"/.exec(page)![1]!;
}

describe('SPEC §12, E1: technical exceptions in the dashboard (the partner files, the operator reviews, a session without MFA under an exception)', () => {
  let w: TestWarden;
  let reviewer: UserAgent; // the operator's Global admin, with MFA
  let filer: UserAgent; // Fabrikam Admin agent, with MFA
  let affected: MadeUser; // Fabrikam Admin agent signing in without MFA
  let withoutMfa: UserAgent;

  const open = async (ua: UserAgent, path: string) => {
    const response = await ua.request(`${w.baseUrl}${path}`);
    return {
      status: response.status,
      location: response.headers.get('location'),
      page: await response.text(),
    };
  };
  const post = async (ua: UserAgent, path: string, from: string, form: Record<string, string>) => {
    const { page } = await open(ua, from);
    const response = await ua.request(`${w.baseUrl}${path}`, { form: { csrf: csrfOf(page), ...form } });
    return {
      status: response.status,
      location: response.headers.get('location'),
      page: await response.text(),
    };
  };
  const lastRow = (userId: string, operation: string) =>
    w.ctx.requestLog
      .flush()
      .then(() =>
        w.ctx.db
          .selectFrom('request_log')
          .selectAll()
          .where('user_id', '=', userId)
          .where('operation', '=', operation)
          .orderBy('occurred_at', 'desc')
          .executeTakeFirstOrThrow(),
      );

  /**
   * A Fabrikam session with the MFA proof: Fabrikam has no MFA policy, so the sign-in asks none;
   * the first protected page steps up (SPEC E1) and the user proves the second factor.
   */
  const mfaSession = async (upn: string) => {
    const { ua } = await dashboardSignIn(w, upn, { mfa: false });
    // The step-up asks only the code inside the authority's session (issue 15 item 4).
    const at = await ua.navigate(`${w.baseUrl}/dashboard/billing`);
    assert.equal(ua.step(), 'second_factor');
    await completeSecondStep(w, ua, { at, upn, mfa: true });
    assert.match(ua.lastPage, /data-testid="mfa-status">MFA verified</);
    return ua;
  };

  let operatorAdmin: MadeUser;
  let fabrikamAgent: MadeUser;
  /** Sessions last 12 hours (dashboard/sessions.ts): after moving the clock by days, sign in again. */
  const signInAll = async () => {
    reviewer = (await dashboardSignIn(w, operatorAdmin.upn, { mfa: true })).ua;
    filer = await mfaSession(fabrikamAgent.upn);
    withoutMfa = (await dashboardSignIn(w, affected.upn, { mfa: false })).ua;
  };

  before(async () => {
    w = await startWarden();
    operatorAdmin = await makeUser(w, {
      tenant: 'operator',
      name: 'reviewer',
      roles: ['Global Administrator'],
      totp: true,
    });
    fabrikamAgent = await makeUser(w, {
      tenant: 'fabrikam',
      name: 'filer',
      groups: ['AdminAgents'],
      totp: true,
    });
    affected = await makeUser(w, { tenant: 'fabrikam', name: 'duo', groups: ['AdminAgents'] });
    await signInAll();
  });
  after(() => w.stop());

  it('SPEC §12: the review page is the operator’s: a partner’s Global admin gets 403 and no menu entry for it', async () => {
    const queue = await open(reviewer, REVIEW);
    assert.equal(queue.status, 200);
    // …and filing is a partner's: the operator's admins have no filing page.
    assert.doesNotMatch(queue.page, /href="\/dashboard\/technical-exceptions"/);
    assert.equal((await open(reviewer, FILE)).status, 403);
    assert.match(
      queue.page,
      /data-testid="exceptions-setting">The program does not accept technical exceptions/,
    );
    assert.match(queue.page, /href="\/dashboard\/program\/exceptions"/);
    const jane = (await dashboardSignIn(w, 'jane@contoso.example', { mfa: true })).ua;
    const refused = await open(jane, REVIEW);
    assert.equal(refused.status, 403);
    const overview = await open(jane, '/dashboard');
    assert.doesNotMatch(overview.page, /href="\/dashboard\/program\/exceptions"/);
    assert.match(overview.page, /href="\/dashboard\/technical-exceptions"/);
  });

  it('SPEC §12: while not accepted (the default) the partner sees no form, and a posted one is refused', async () => {
    const page = await open(filer, FILE);
    assert.equal(page.status, 200);
    assert.match(page.page, /data-testid="exceptions-not-accepted"/);
    assert.doesNotMatch(page.page, /name="mfaProduct"/);
    const { page: overview } = await open(filer, '/dashboard');
    const refused = await filer.request(`${w.baseUrl}${FILE}`, {
      form: {
        csrf: csrfOf(overview),
        mfaProduct: 'Duo',
        integration: 'x',
        selfTest: '{}',
        purchaseReference: 'PO',
      },
    });
    assert.equal(refused.status, 403);
  });

  it('SPEC §12: a Sales agent cannot open the filing page', async () => {
    const salesUser = await makeUser(w, {
      tenant: 'fabrikam',
      name: 'sales',
      groups: ['SalesAgents'],
      totp: true,
    });
    const sales = (await dashboardSignIn(w, salesUser.upn, { mfa: false })).ua;
    assert.equal((await open(sales, FILE)).status, 403);
  });

  let id: string;

  it('SPEC §12: the operator accepts requests; the partner files one with the CLI’s self-test; a bad self-test is shown as an error', async () => {
    const turnedOn = await post(reviewer, '/dashboard/program/settings', REVIEW, {
      technicalExceptionsAccepted: 'true',
    });
    assert.equal(turnedOn.status, 303);
    assert.match((await open(reviewer, REVIEW)).page, /The program accepts technical exception requests/);

    const selfTest = JSON.stringify({
      result: 'fail',
      user: affected.upn,
      tenant: 'fabrikam.example',
      tenantId: w.demo.tenants.fabrikam!.id,
      amr: ['pwd'],
      api: { request: 'GET /v1/customers', status: 401, code: 'mfa_required' },
    });
    const form = {
      mfaProduct: 'Duo Security via RADIUS',
      integration: 'Duo answers at our VPN; the identity provider sees only the password.',
      purchaseReference: 'PO-2026-0042',
    };
    const bad = await post(filer, FILE, FILE, { ...form, selfTest: 'pass' });
    assert.equal(bad.status, 400);
    assert.match(bad.page, /data-testid="form-error">The self-test is not JSON/);
    assert.match(bad.page, /value="Duo Security via RADIUS"/, 'the form keeps what was typed');

    const filed = await post(filer, FILE, FILE, { ...form, selfTest });
    assert.equal(filed.status, 303);
    const list = await open(filer, FILE);
    const row = /data-testid="exception-([0-9a-f-]{36})"/.exec(list.page);
    assert.ok(row, list.page);
    id = row[1]!;
    assert.match(list.page, /data-testid="exception-status">pending</);
  });

  it('SPEC §12: the queue shows the request with its due date, then marks it overdue after three working days', async () => {
    const queue = await open(reviewer, REVIEW);
    assert.match(
      queue.page,
      new RegExp(`data-testid="review-${id}"><td><a href="${REVIEW}/${id}">Fabrikam</a>`),
    );
    const rowOf = (page: string) => new RegExp(`data-testid="review-${id}">.*?</tr>`).exec(page)![0];
    assert.doesNotMatch(rowOf(queue.page), /data-testid="overdue"/);
    w.clock.advance(5 * DAY + 60_000); // at least three working days, whatever the weekday
    await signInAll();
    const later = await open(reviewer, REVIEW);
    assert.match(rowOf(later.page), /data-testid="overdue"/);
    // The demo's pending request from Contoso (filed a day before the start) is overdue too.
    assert.match(later.page, /data-testid="overdue-count">2 overdue/);
  });

  it('SPEC §12: before approval, a session without MFA is stepped up on a protected page', async () => {
    const billing = await open(withoutMfa, '/dashboard/billing');
    assert.equal(billing.status, 303);
    assert.match(billing.location ?? '', /amr_values=mfa/);
  });

  it('SPEC §12, E1: approved (end date, E1 and E2), the session without MFA opens Billing; the row is under_exception = 1, mfa_compliant = 0', async () => {
    const detail = await open(reviewer, `${REVIEW}/${id}`);
    assert.match(detail.page, /Duo answers at our VPN/);
    const noDate = await post(reviewer, `${REVIEW}/${id}/approve`, `${REVIEW}/${id}`, {
      'scope-E1': 'on',
      'scope-E2': 'on',
    });
    assert.equal(noDate.status, 400);
    assert.match(noDate.page, /data-testid="form-error">An approval needs its end date/);
    const endDate = new Date(w.clock.now() + 30 * DAY).toISOString().slice(0, 10);
    const approved = await post(reviewer, `${REVIEW}/${id}/approve`, `${REVIEW}/${id}`, {
      endDate,
      'scope-E1': 'on',
      'scope-E2': 'on',
    });
    assert.equal(approved.status, 303);
    assert.match((await open(reviewer, `${REVIEW}/${id}`)).page, /approved for E1 and E2 through/);

    const billing = await open(withoutMfa, '/dashboard/billing');
    assert.equal(billing.status, 200);
    assert.match(billing.page, /data-testid="mfa-status">Signed in without MFA</);
    const row = await lastRow(
      (
        await w.ctx.db
          .selectFrom('users')
          .select('id')
          .where('user_principal_name', '=', affected.upn)
          .executeTakeFirstOrThrow()
      ).id,
      'invoices.list',
    );
    assert.equal(Number(row.under_exception), 1);
    assert.equal(Number(row.mfa_compliant), 0);
    assert.equal(row.outcome, 'success');
  });

  it('SPEC §12: GDAP/DAP pages (delegated admin) and the exception pages themselves still step up under the exception', async () => {
    for (const path of ['/dashboard/customers/gdap', '/dashboard/customers/dap', FILE]) {
      const page = await open(withoutMfa, path);
      assert.equal(page.status, 303, path);
      assert.match(page.location ?? '', /amr_values=mfa/, path);
    }
  });

  it('SPEC §12: when the program stops accepting exceptions, the approved one ends and the session is stepped up again', async () => {
    const off = await post(reviewer, '/dashboard/program/settings', REVIEW, {
      technicalExceptionsAccepted: 'false',
    });
    assert.equal(off.status, 303);
    assert.match((await open(reviewer, `${REVIEW}/${id}`)).page, /data-testid="review-status">ended</);
    const billing = await open(withoutMfa, '/dashboard/billing');
    assert.equal(billing.status, 303);
    assert.match(billing.location ?? '', /amr_values=mfa/);
    assert.match((await open(filer, FILE)).page, /data-testid="exception-status">ended</);
  });

  it('SPEC §12: the operator ends an approved exception early from its page, with a reason', async () => {
    assert.equal(
      (await post(reviewer, '/dashboard/program/settings', REVIEW, { technicalExceptionsAccepted: 'true' }))
        .status,
      303,
    );
    const filed = await post(filer, FILE, FILE, {
      mfaProduct: 'Duo Security via RADIUS',
      integration: 'Duo answers at our VPN.',
      purchaseReference: 'PO-2026-0043',
      selfTest: JSON.stringify({
        result: 'fail',
        user: affected.upn,
        tenantId: w.demo.tenants.fabrikam!.id,
        amr: ['pwd'],
      }),
    });
    assert.equal(filed.status, 303);
    const again =
      /data-testid="exception-([0-9a-f-]{36})"><td>[^<]*<\/td><td>[^<]*<\/td><td>PO-2026-0043/.exec(
        (await open(filer, FILE)).page,
      );
    assert.ok(again);
    const path = `${REVIEW}/${again[1]}`;
    const endDate = new Date(w.clock.now() + 30 * DAY).toISOString().slice(0, 10);
    assert.equal((await post(reviewer, `${path}/approve`, path, { endDate, 'scope-E1': 'on' })).status, 303);
    assert.equal((await open(withoutMfa, '/dashboard/billing')).status, 200);
    const noReason = await post(reviewer, `${path}/end`, path, { reason: '' });
    assert.equal(noReason.status, 400);
    assert.equal(
      (await post(reviewer, `${path}/end`, path, { reason: 'The claim arrives now.' })).status,
      303,
    );
    assert.match((await open(reviewer, path)).page, /data-testid="review-status">ended</);
    assert.equal((await open(withoutMfa, '/dashboard/billing')).status, 303);
  });
});
