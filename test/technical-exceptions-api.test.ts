import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { exceptionCovers } from '../src/technical-exceptions/coverage.ts';
import { delegatedSignIn, grantGdap } from './support/aobo.ts';
import { USER_ADMIN } from './support/gdap.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { callApi, sign, userClaims } from './support/tokens.ts';
import { type MadeUser, makeUser } from './support/users.ts';

const DAY = 86_400_000;

/** The next moment after `now` that is this weekday (0 Sunday … 6 Saturday) at this UTC hour. */
function next(now: number, weekday: number, hour: number): number {
  const start = new Date(now);
  start.setUTCHours(hour, 0, 0, 0);
  let at = start.getTime();
  while (at <= now || new Date(at).getUTCDay() !== weekday) at += DAY;
  return at;
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

describe('SPEC §12: technical exceptions on the Partner API (file, review, the setting, the effect at E2, never E3)', () => {
  let w: TestWarden;
  let filer: MadeUser; // Fabrikam Admin agent with MFA
  let affected: MadeUser; // Fabrikam Admin agent whose third-party MFA sends no claim
  let sales: MadeUser;
  let reviewer: MadeUser; // the operator's Global admin
  let fabrikam: string;

  const token = (user: MadeUser, mfa = true) =>
    sign(w, userClaims(w, user.upn, { amr: mfa ? ['pwd', 'otp', 'mfa'] : ['pwd'] }));
  const api = async (user: MadeUser, method: string, path: string, body?: unknown, mfa = true) =>
    callApi(w, method, path, { token: await token(user, mfa), ...(body === undefined ? {} : { body }) });
  const selfTest = (overrides: Record<string, unknown> = {}) => ({
    result: 'fail',
    reason: "the token's amr is [pwd]",
    user: affected.upn,
    tenant: 'fabrikam.example',
    tenantId: fabrikam,
    amr: ['pwd'],
    api: {
      request: 'GET /v1/customers',
      status: 401,
      statusText: 'Unauthorized - MFA required',
      code: 'mfa_required',
    },
    ...overrides,
  });
  const request = (overrides: Record<string, unknown> = {}) => ({
    mfaProduct: 'Duo Security via RADIUS',
    integration: 'Duo authenticates at our VPN gateway; the identity provider only sees the password.',
    selfTest: selfTest(),
    purchaseReference: 'PO-2026-0042',
    ...overrides,
  });
  const setAccepted = async (accepted: boolean) => {
    const res = await api(reviewer, 'PUT', '/v1/program/settings', { technicalExceptionsAccepted: accepted });
    assert.equal(res.status, 200);
    return res.body;
  };
  const approve = (id: string, body: Record<string, unknown>) =>
    api(reviewer, 'POST', `/v1/program/technicalExceptions/${id}/approve`, body);
  const logRow = async (res: { headers: Headers }) => {
    await w.ctx.requestLog.flush();
    return w.ctx.db
      .selectFrom('request_log')
      .selectAll()
      .where('correlation_id', '=', res.headers.get('ms-correlationid')!)
      .executeTakeFirstOrThrow();
  };

  before(async () => {
    w = await startWarden();
    fabrikam = w.demo.tenants.fabrikam!.id;
    filer = await makeUser(w, { tenant: 'fabrikam', name: 'filer', groups: ['AdminAgents'], totp: true });
    affected = await makeUser(w, { tenant: 'fabrikam', name: 'duo', groups: ['AdminAgents'] });
    sales = await makeUser(w, { tenant: 'fabrikam', name: 'sales', groups: ['SalesAgents'], totp: true });
    reviewer = await makeUser(w, {
      tenant: 'operator',
      name: 'reviewer',
      roles: ['Global Administrator'],
      totp: true,
    });
  });
  after(() => w.stop());

  it('SPEC §12 (seed 004): by default the program accepts no exceptions, and filing is refused with exceptions_not_accepted', async () => {
    const settings = await api(reviewer, 'GET', '/v1/program/settings');
    assert.equal(settings.status, 200);
    assert.equal(settings.body.technicalExceptionsAccepted, false);
    const refused = await api(filer, 'POST', '/v1/technicalExceptions', request());
    assert.equal(refused.status, 403);
    assert.equal(refused.body.wardenCode, 'exceptions_not_accepted');
    assert.equal((await api(filer, 'GET', '/v1/technicalExceptions')).body.totalCount, 0);
  });

  it('Demo: the operator’s queue holds a pending request from Contoso, and Olivia (operator Global admin) reviews it', async () => {
    const olivia = { upn: 'olivia@operator.example' } as MadeUser;
    assert.equal(w.demo.users[olivia.upn]?.tenant, w.demo.tenants.operator!.id);
    const queue = await api(olivia, 'GET', '/v1/program/technicalExceptions');
    assert.equal(queue.status, 200);
    const demo = queue.body.items.find((e: { partnerName: string }) => e.partnerName === 'Contoso');
    assert.equal(demo.status, 'pending');
    assert.equal(demo.filedBy, 'jane@contoso.example');
    assert.equal(demo.selfTest.result, 'fail');
  });

  it('SPEC §12: the program routes are the operator’s: a partner’s Global admin gets operator_only', async () => {
    const jane = { upn: 'jane@contoso.example' } as MadeUser;
    for (const [method, path, body] of [
      ['GET', '/v1/program/settings', undefined],
      ['PUT', '/v1/program/settings', { technicalExceptionsAccepted: true }],
      ['GET', '/v1/program/technicalExceptions', undefined],
    ] as const) {
      const res = await api(jane, method, path, body);
      assert.equal(res.status, 403, path);
      assert.equal(res.body.wardenCode, 'operator_only');
    }
    assert.equal(
      (await api(reviewer, 'GET', '/v1/program/settings')).body.technicalExceptionsAccepted,
      false,
    );
  });

  it('SPEC §12: only a Global admin or an Admin agent with MFA files: a Sales agent gets role_required, a token without mfa mfa_required', async () => {
    await setAccepted(true);
    const bySales = await api(sales, 'POST', '/v1/technicalExceptions', request());
    assert.equal(bySales.status, 403);
    assert.equal(bySales.body.wardenCode, 'role_required');
    const withoutMfa = await api(filer, 'POST', '/v1/technicalExceptions', request(), false);
    assert.equal(withoutMfa.status, 401);
    assert.equal(withoutMfa.body.wardenCode, 'mfa_required');
  });

  it('SPEC §12: every field is checked: missing, too long, control characters, a self-test that is not the CLI’s, of another tenant or of no account', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ purchaseReference: undefined }, 'invalid_exception_evidence'],
      [{ mfaProduct: '   ' }, 'invalid_exception_evidence'],
      [{ mfaProduct: 'x'.repeat(201) }, 'invalid_exception_evidence'],
      [{ integration: 'y'.repeat(4001) }, 'invalid_exception_evidence'],
      [{ purchaseReference: 'PO\u0007-1' }, 'invalid_exception_evidence'],
      [{ selfTest: undefined }, 'invalid_self_test'],
      [{ selfTest: 'pass' }, 'invalid_self_test'],
      [{ selfTest: selfTest({ result: 'maybe' }) }, 'invalid_self_test'],
      [{ selfTest: selfTest({ result: 'pass' }) }, 'invalid_self_test'], // amr [pwd] does not pass
      [{ selfTest: selfTest({ tenantId: w.demo.tenants.contoso!.id }) }, 'invalid_self_test'],
      [{ selfTest: selfTest({ user: 'nobody@fabrikam.example' }) }, 'invalid_self_test'],
      [{ selfTest: selfTest({ amr: 'pwd' }) }, 'invalid_self_test'],
    ];
    for (const [overrides, code] of cases) {
      const res = await api(filer, 'POST', '/v1/technicalExceptions', request(overrides));
      assert.equal(res.status, 400, JSON.stringify(overrides).slice(0, 80));
      assert.equal(res.body.wardenCode, code, JSON.stringify(overrides).slice(0, 80));
    }
    const unknown = await api(filer, 'POST', '/v1/technicalExceptions', { ...request(), extra: 1 });
    assert.equal(unknown.body.wardenCode, 'invalid_request');
    assert.equal(
      (await api(filer, 'GET', '/v1/technicalExceptions')).body.totalCount,
      0,
      'nothing was filed',
    );
  });

  let first: string;

  it('SPEC §12: filed on a Friday, the answer is due three working days later (the Wednesday; the weekend skipped), then overdue', async () => {
    w.clock.advance(next(w.clock.now(), 5, 10) - w.clock.now());
    const filed = await api(
      filer,
      'POST',
      '/v1/technicalExceptions',
      request({ selfTest: JSON.stringify(selfTest()) }),
    );
    assert.equal(filed.status, 201);
    first = filed.body.id;
    assert.equal(filed.body.title, 'MFA - Request for exception');
    assert.equal(filed.body.category, 'CSP > Accounts, Onboarding, Access');
    assert.equal(filed.body.status, 'pending');
    assert.equal(filed.body.filedBy, filer.upn);
    assert.equal(filed.body.selfTest.user, affected.upn);
    const filedAt = Date.parse(filed.body.filedDateTime);
    const dueAt = Date.parse(filed.body.dueDateTime);
    assert.equal(new Date(filedAt).getUTCDay(), 5);
    assert.equal(new Date(dueAt).getUTCDay(), 3, 'Friday + Mon, Tue, Wed');
    assert.equal(dueAt - filedAt, 5 * DAY);
    assert.equal(filed.body.overdue, false);
    assert.equal(filed.body.decidedBy, undefined, 'the partner does not see the reviewer');

    const again = await api(filer, 'POST', '/v1/technicalExceptions', request());
    assert.equal(again.status, 409);
    assert.equal(again.body.wardenCode, 'exception_already_pending');

    w.clock.advance(5 * DAY - 60_000); // Wednesday, a minute before it is due
    let queue = await api(reviewer, 'GET', '/v1/program/technicalExceptions');
    assert.equal(queue.body.items.find((e: { id: string }) => e.id === first).overdue, false);
    w.clock.advance(2 * 60_000);
    queue = await api(reviewer, 'GET', '/v1/program/technicalExceptions');
    const item = queue.body.items.find((e: { id: string }) => e.id === first);
    assert.equal(item.overdue, true);
    assert.equal(item.partnerName, 'Fabrikam');
    assert.equal((await api(filer, 'GET', `/v1/technicalExceptions/${first}`)).body.overdue, true);
  });

  it('SPEC §12: a pending request covers nothing: a token without mfa is still refused at E2', async () => {
    const res = await api(affected, 'GET', '/v1/customers', undefined, false);
    assert.equal(res.status, 401);
    assert.equal(res.body.wardenCode, 'mfa_required');
  });

  it('SPEC §12: an approval needs an end date within a year and a scope of E1/E2 only', async () => {
    const now = w.clock.now();
    const cases: Record<string, unknown>[] = [
      {},
      { endDate: 'soon' },
      { endDate: '2026-02-30' },
      { endDate: isoDay(now - DAY) },
      { endDate: isoDay(now + 366 * DAY) },
      { endDate: isoDay(now + 10 * DAY), scope: ['E3'] },
      { endDate: isoDay(now + 10 * DAY), scope: [] },
    ];
    for (const body of cases) {
      const res = await approve(first, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.wardenCode, 'invalid_exception_decision', JSON.stringify(body));
    }
    const byPartner = await api(filer, 'POST', `/v1/program/technicalExceptions/${first}/approve`, {
      endDate: isoDay(now + 10 * DAY),
    });
    assert.equal(byPartner.body.wardenCode, 'operator_only');
  });

  let endDate: string;

  it('SPEC §12: approved, a token without mfa is admitted on an E2 route, the row marked under_exception = 1 and mfa_compliant = 0', async () => {
    endDate = isoDay(w.clock.now() + 10 * DAY);
    const approved = await approve(first, { endDate });
    assert.equal(approved.status, 200);
    assert.equal(approved.body.status, 'approved');
    assert.deepEqual(approved.body.scope, ['E1', 'E2']);
    assert.equal(approved.body.endDate, endDate);
    assert.equal(approved.body.decidedBy, reviewer.upn);
    assert.equal((await approve(first, { endDate })).body.wardenCode, 'exception_not_pending');

    const admitted = await api(affected, 'GET', '/v1/customers', undefined, false);
    assert.equal(admitted.status, 200);
    const row = await logRow(admitted);
    assert.equal(Number(row.under_exception), 1);
    assert.equal(Number(row.mfa_compliant), 0);
    assert.equal(row.surface, 'api-app-user');
    // With MFA, the same partner's request is an ordinary one.
    const withMfa = await logRow(await api(filer, 'GET', '/v1/customers'));
    assert.equal(Number(withMfa.under_exception), 0);
    assert.equal(Number(withMfa.mfa_compliant), 1);
    // Roles still apply: the exception lifts MFA, nothing else.
    const salesWithout = await api(sales, 'GET', '/v1/invoices', undefined, false);
    assert.equal(salesWithout.body.wardenCode, 'role_required');
    // Another partner holds no exception.
    const contoso = await callApi(w, 'GET', '/v1/customers', {
      token: await sign(w, userClaims(w, 'jane@contoso.example', { amr: ['pwd'] })),
    });
    assert.equal(contoso.body.wardenCode, 'mfa_required');
  });

  it('SPEC §12, E3: never a delegated category (acting in a customer tenant), nor GDAP/DAP, nor filing the next exception', async () => {
    const tailspin = w.demo.customers['tailspin.example']!;
    for (const path of [
      `/v1/customers/${tailspin}/users`,
      '/v1/delegatedAdminCustomers',
      '/v1/technicalExceptions',
    ]) {
      const res = await api(affected, 'GET', path, undefined, false);
      assert.equal(res.status, 401, path);
      assert.equal(res.body.wardenCode, 'mfa_required', path);
      assert.equal(Number((await logRow(res)).under_exception), 0);
    }
  });

  it('SPEC E3: with the exception approved, the partner user signing in to a customer’s authority must still do MFA', async () => {
    assert.equal(await exceptionCovers(w.ctx.db, fabrikam, w.clock.now()), true);
    await grantGdap(w, 'fabrikam', 'tailspin', [affected.upn], [USER_ADMIN]);
    const { afterPassword, tokens } = await delegatedSignIn(w, affected.upn, 'tailspin');
    assert.equal(afterPassword, 'register_method', 'no MFA method: registration is demanded, not skipped');
    assert.ok((decodeJwt(tokens.access_token).amr as string[]).includes('mfa'));
  });

  it('SPEC E3: no module of the sign-in or the policy consults technical exceptions', () => {
    const root = join(import.meta.dirname, '../src');
    const files = (dir: string): string[] =>
      readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
      );
    for (const file of [...files('policy'), ...files('sign-in'), ...files('tokens')])
      assert.doesNotMatch(readFileSync(join(root, file), 'utf8'), /technical-exceptions\//, file);
  });

  it('SPEC §12: the exception ends at its end date (Warden’s clock): refused again, and listed as expired', async () => {
    const endsAt = Date.parse(`${endDate}T00:00:00Z`) + DAY;
    w.clock.advance(endsAt - w.clock.now() - 60_000);
    assert.equal(
      (await api(affected, 'GET', '/v1/customers', undefined, false)).status,
      200,
      'the last day is covered',
    );
    w.clock.advance(60_000);
    const refused = await api(affected, 'GET', '/v1/customers', undefined, false);
    assert.equal(refused.status, 401);
    assert.equal(refused.body.wardenCode, 'mfa_required');
    const mine = await api(filer, 'GET', `/v1/technicalExceptions/${first}`);
    assert.equal(mine.body.status, 'expired');
  });

  it('SPEC §12: an approval for E1 only leaves E2 refused; turning the setting off ends it, and turning it on again revives nothing', async () => {
    const filed = await api(filer, 'POST', '/v1/technicalExceptions', request());
    assert.equal(filed.status, 201);
    const e1Only = await approve(filed.body.id, { endDate: isoDay(w.clock.now() + 30 * DAY), scope: ['E1'] });
    assert.deepEqual(e1Only.body.scope, ['E1']);
    assert.equal((await api(affected, 'GET', '/v1/customers', undefined, false)).status, 401);
    assert.equal(await exceptionCovers(w.ctx.db, fabrikam, w.clock.now(), 'E1'), true);

    const off = await setAccepted(false);
    assert.equal(off.exceptionsEnded, 1);
    assert.equal(await exceptionCovers(w.ctx.db, fabrikam, w.clock.now(), 'E1'), false);
    assert.equal((await api(filer, 'GET', `/v1/technicalExceptions/${filed.body.id}`)).body.status, 'ended');
    await setAccepted(true);
    assert.equal(await exceptionCovers(w.ctx.db, fabrikam, w.clock.now()), false);
  });

  it('SPEC §12: the operator may end an approved exception early, with a reason: refused again at once', async () => {
    const filed = await api(filer, 'POST', '/v1/technicalExceptions', request());
    await approve(filed.body.id, { endDate: isoDay(w.clock.now() + 30 * DAY) });
    assert.equal((await api(affected, 'GET', '/v1/customers', undefined, false)).status, 200);
    const end = (reason?: string) =>
      api(
        reviewer,
        'POST',
        `/v1/program/technicalExceptions/${filed.body.id}/end`,
        reason === undefined ? {} : { reason },
      );
    assert.equal((await end()).body.wardenCode, 'invalid_exception_decision');
    const ended = await end('Your MFA provider now sends the claim through OIDC.');
    assert.equal(ended.status, 200);
    assert.equal(ended.body.status, 'ended');
    assert.equal((await api(affected, 'GET', '/v1/customers', undefined, false)).status, 401);
    const again = await end('twice');
    assert.equal(again.status, 409);
    assert.equal(again.body.wardenCode, 'exception_not_in_force');
    assert.equal(
      (await api(filer, 'GET', `/v1/technicalExceptions/${filed.body.id}`)).body.reason,
      'Your MFA provider now sends the claim through OIDC.',
    );
  });

  it('SPEC §12: while the program does not accept exceptions, an approval is refused too', async () => {
    const filed = await api(filer, 'POST', '/v1/technicalExceptions', request());
    await setAccepted(false);
    const refused = await approve(filed.body.id, { endDate: isoDay(w.clock.now() + 5 * DAY) });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.wardenCode, 'exceptions_not_accepted');
    await setAccepted(true);
    // Rejected with a reason (required), which the partner reads.
    const noReason = await api(reviewer, 'POST', `/v1/program/technicalExceptions/${filed.body.id}/reject`, {
      reason: '  ',
    });
    assert.equal(noReason.body.wardenCode, 'invalid_exception_decision');
    const reason = 'Duo can send the MFA claim through its OIDC integration; use that instead.';
    const rejected = await api(reviewer, 'POST', `/v1/program/technicalExceptions/${filed.body.id}/reject`, {
      reason,
    });
    assert.equal(rejected.status, 200);
    assert.equal(rejected.body.status, 'rejected');
    const seen = await api(filer, 'GET', `/v1/technicalExceptions/${filed.body.id}`);
    assert.equal(seen.body.status, 'rejected');
    assert.equal(seen.body.reason, reason);
    assert.equal(await exceptionCovers(w.ctx.db, fabrikam, w.clock.now()), false);
    const again = await api(reviewer, 'POST', `/v1/program/technicalExceptions/${filed.body.id}/approve`, {
      endDate: isoDay(w.clock.now() + 5 * DAY),
    });
    assert.equal(again.body.wardenCode, 'exception_not_pending');
  });

  it('Operations: two reviewers deciding one request at once: one decision wins, the other gets exception_not_pending', async () => {
    const filed = await api(filer, 'POST', '/v1/technicalExceptions', request());
    const endDate = isoDay(w.clock.now() + 5 * DAY);
    const answers = await Promise.all([
      approve(filed.body.id, { endDate }),
      api(reviewer, 'POST', `/v1/program/technicalExceptions/${filed.body.id}/reject`, { reason: 'No.' }),
    ]);
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, 409]);
    assert.equal(answers.find((a) => a.status === 409)!.body.wardenCode, 'exception_not_pending');
    const unknown = await approve('00000000-0000-4000-8000-000000000000', { endDate });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.wardenCode, 'not_found');
  });
});
