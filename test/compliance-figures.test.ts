import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { hashPassword } from '../src/authentication-methods/passwords.ts';
import { addTotpMethod, newTotpSecret } from '../src/authentication-methods/totp.ts';
import { runComplianceClock } from '../src/compliance/daily-job.ts';
import { addDays, startOfDay } from '../src/compliance/days.ts';
import { applicationAdoption, nonMfaPrincipals, recentPartnerRequests } from '../src/compliance/downloads.ts';
import { partnerStatus, programStatus } from '../src/compliance/status.ts';
import { createTenant, type Tenant } from '../src/directory/tenants.ts';
import { createUser } from '../src/directory/users.ts';
import type { RequestRecord, Surface } from '../src/reports/request-log.ts';
import { startWarden, type TestWarden } from './support/harness.ts';

const HOUR = 3_600_000;

/**
 * SPEC §11 (reference §4.1): the three figures of a partner tenant, from the daily rollups the
 * request log keeps, computed once per UTC day by the compliance clock. Each test has a partner
 * tenant of its own and a day of its own, so no test sees another's traffic.
 */
describe('SPEC §11: the security requirements figures', () => {
  let w: TestWarden;
  let passwordHash: string;
  let made = 0;

  before(async () => {
    w = await startWarden();
    passwordHash = await hashPassword(w.demo.password);
  });
  after(() => w.stop());

  const partner = async (): Promise<Tenant> => {
    const n = ++made;
    return createTenant(
      w.ctx.db,
      {
        kind: 'partner',
        programType: 'csp-direct',
        displayName: `Figures ${n}`,
        domain: `figures${n}-${randomUUID().slice(0, 8)}.example`,
        securityDefaults: true,
      },
      w.clock.now(),
    );
  };

  /** Records requests of a tenant through the request log (its batches keep the rollups). */
  const record = async (
    tenant: Tenant,
    at: number,
    rows: {
      surface: Surface;
      mfa: boolean;
      n: number;
      status?: number;
      underException?: boolean;
      userId?: string;
    }[],
  ) => {
    const entries: RequestRecord[] = rows.flatMap((r) =>
      Array.from({ length: r.n }, (_, i) => ({
        tenantId: tenant.id,
        surface: r.surface,
        operation: r.surface === 'dashboard' ? 'dashboard.customers' : 'customers.list',
        userId:
          r.surface === 'api-app-only'
            ? null
            : (r.userId ?? `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`),
        userPrincipalName: r.surface === 'api-app-only' ? null : `user${i}@${tenant.domain}`,
        appId: r.surface === 'dashboard' ? null : 'c0a1b2c3-0d0e-4f00-a000-00000000a001',
        mfaCompliant: r.mfa,
        underException: r.underException ?? false,
        statusCode: r.status ?? 200,
        correlationId: randomUUID(),
        occurredAt: at + i,
      })),
    );
    await Promise.all(entries.map((e) => w.ctx.requestLog.record(e)));
  };

  const figuresOf = async (tenant: Tenant, day: string) => {
    const row = await w.ctx.db
      .selectFrom('daily_figures')
      .selectAll()
      .where('tenant_id', '=', tenant.id)
      .where('day', '=', day)
      .execute();
    assert.equal(row.length, 1, `one row of figures for ${day}`);
    const status = await partnerStatus(w.ctx.db, tenant.id, startOfDay(addDays(day, 1)) + HOUR);
    assert.equal(status.current?.day, day);
    return status.current!;
  };

  it('SPEC §11 A, B1, B2: the seeds’ worked examples: 110 users, 10 disabled, 90 enforced → 90 %; 2 of 10 dashboard operations → 20 %; 3 non-MFA + 5 App-only + 2 MFA → 40 %', async () => {
    const tenant = await partner();
    const now = w.clock.now();
    for (let i = 0; i < 110; i++) {
      const admin = i < 90;
      const disabled = i >= 100;
      const user = await createUser(
        w.ctx.db,
        tenant.id,
        {
          userPrincipalName: `u${i}@${tenant.domain}`,
          displayName: `U ${i}`,
          passwordHash,
          directoryRoles: admin ? ['Global Administrator'] : [],
          ...(disabled ? { accountEnabled: false } : {}),
        },
        now,
      );
      // Six of the ten enabled non-admins have registered MFA: security defaults still ask them
      // only on a risky sign-in; the other four are inside the 14-day registration window.
      if (i >= 90 && i < 96)
        await addTotpMethod(w.ctx.db, w.ctx.secrets, tenant.id, user.id, newTotpSecret(), now);
    }
    const day = '2026-03-10';
    await record(tenant, startOfDay(day) + 9 * HOUR, [
      { surface: 'dashboard', mfa: true, n: 2 },
      { surface: 'dashboard', mfa: false, n: 8 },
      { surface: 'api-app-user', mfa: false, n: 3, status: 401 },
      { surface: 'api-app-only', mfa: false, n: 5 },
      { surface: 'api-app-user', mfa: true, n: 2 },
      // A partner user's Graph request in a customer tenant is not a Partner API request.
      { surface: 'graph-app-user', mfa: false, n: 4 },
    ]);
    await runComplianceClock(w.ctx.db, startOfDay(addDays(day, 1)) + 60_000);
    const f = await figuresOf(tenant, day);
    assert.deepEqual(f.a, { percent: 90, numerator: 90, denominator: 100, underException: 0 });
    assert.deepEqual(
      [...f.reasons.a].sort((x, y) => x.code.localeCompare(y.code)),
      [
        { code: 'registrationWindow', count: 4 },
        { code: 'securityDefaultsRiskOnly', count: 6 },
      ],
    );
    assert.deepEqual(f.b1, { percent: 20, numerator: 2, denominator: 10, underException: 0 });
    assert.deepEqual(f.reasons.b1, [{ code: 'requestsWithoutMfa', count: 8 }]);
    assert.deepEqual(f.b2, { percent: 40, numerator: 2, denominator: 5, underException: 0 });
    assert.deepEqual(f.reasons.b2, [{ code: 'requestsWithoutMfa', count: 3 }]);
    assert.equal(f.windowStart, '2026-03-04');
  });

  it('SPEC §11: days are UTC: a request at 23:59:59.999 counts on its day, one at 00:00:00.000 on the next; a day covers it and the 6 before', async () => {
    const tenant = await partner();
    const day = '2026-04-20';
    const midnight = startOfDay(addDays(day, 1));
    await record(tenant, midnight - 1, [{ surface: 'api-app-user', mfa: true, n: 1 }]);
    await record(tenant, midnight, [{ surface: 'api-app-user', mfa: false, n: 1 }]);
    // Seven days before the day: outside its window.
    await record(tenant, startOfDay(addDays(day, -7)) + HOUR, [
      { surface: 'api-app-user', mfa: false, n: 1 },
    ]);
    // Six days before: inside.
    await record(tenant, startOfDay(addDays(day, -6)), [{ surface: 'api-app-user', mfa: true, n: 1 }]);
    await runComplianceClock(w.ctx.db, midnight + 60_000);
    const f = await figuresOf(tenant, day);
    assert.deepEqual([f.b2.numerator, f.b2.denominator], [2, 2]);
    await runComplianceClock(w.ctx.db, midnight + 86_400_000 + 60_000);
    // The next day's window starts 5 days before the day: the request 6 days before it is out.
    const next = await figuresOf(tenant, addDays(day, 1));
    assert.deepEqual([next.b2.numerator, next.b2.denominator, next.b2.percent], [1, 2, 50]);
  });

  it('SPEC §11: a day with no traffic stores B1 and B2 with denominator 0 and percent null', async () => {
    const tenant = await partner();
    const day = '2026-05-02';
    await runComplianceClock(w.ctx.db, startOfDay(addDays(day, 1)) + 5_000);
    const f = await figuresOf(tenant, day);
    assert.deepEqual(f.b1, { percent: null, numerator: 0, denominator: 0, underException: 0 });
    assert.deepEqual(f.b2, { percent: null, numerator: 0, denominator: 0, underException: 0 });
    assert.deepEqual(f.reasons.b1, []);
    // The tenant has no accounts either: A's denominator is 0 too.
    assert.equal(f.a.percent, null);
  });

  it('SPEC §11: instances racing compute and store each day once: two concurrent runs → one row per partner, the same figures; a later run stores nothing', async () => {
    const tenant = await partner();
    const day = '2026-06-15';
    await record(tenant, startOfDay(day) + HOUR, [
      { surface: 'dashboard', mfa: true, n: 3 },
      { surface: 'dashboard', mfa: false, n: 1 },
    ]);
    const now = startOfDay(addDays(day, 1)) + 30_000;
    const [one, two] = await Promise.all([
      runComplianceClock(w.ctx.db, now),
      runComplianceClock(w.ctx.db, now),
    ]);
    const partners = await w.ctx.db
      .selectFrom('tenants')
      .select('id')
      .where('kind', '=', 'partner')
      .execute();
    assert.equal(one.length + two.length, partners.length, 'each partner’s day stored by one of the two');
    const rows = await w.ctx.db.selectFrom('daily_figures').selectAll().where('day', '=', day).execute();
    assert.equal(rows.length, partners.length);
    const stored = [...one, ...two].find((f) => f.tenantId === tenant.id)!;
    const f = await figuresOf(tenant, day);
    assert.deepEqual(f, stored);
    assert.equal(f.b1.percent, 75);
    assert.deepEqual(await runComplianceClock(w.ctx.db, now + 60_000), []);
  });

  it('SPEC §12: requests admitted under a technical exception are in the denominator, not the numerator, counted apart', async () => {
    const tenant = await partner();
    const day = '2026-07-01';
    await record(tenant, startOfDay(day) + HOUR, [
      { surface: 'api-app-user', mfa: true, n: 1 },
      { surface: 'api-app-user', mfa: false, n: 2, underException: true },
      { surface: 'api-app-user', mfa: false, n: 1 },
      { surface: 'dashboard', mfa: false, n: 1, underException: true },
    ]);
    await runComplianceClock(w.ctx.db, startOfDay(addDays(day, 1)) + HOUR);
    const f = await figuresOf(tenant, day);
    assert.deepEqual(f.b2, { percent: 25, numerator: 1, denominator: 4, underException: 2 });
    assert.deepEqual(f.reasons.b2, [
      { code: 'requestsWithoutMfa', count: 1 },
      { code: 'technicalException', count: 2 },
    ]);
    assert.deepEqual(f.b1, { percent: 0, numerator: 0, denominator: 1, underException: 1 });
    assert.deepEqual(f.reasons.b1, [{ code: 'technicalException', count: 1 }]);
  });

  it('SPEC §11: the rollups equal a recount of the raw request-log rows (every tenant, day, application and user of the dashboard and App+User surfaces; none for app-only or Graph)', async () => {
    // A batch larger than one INSERT: several statements in one transaction, its rows sorted by
    // rollup key so that two instances' batches take the keys' locks in one order.
    const [p, q] = [await partner(), await partner()];
    const noon = startOfDay('2026-06-01') + 12 * HOUR;
    await Promise.all([
      record(p, noon, [
        { surface: 'dashboard', mfa: true, n: 300 },
        { surface: 'api-app-user', mfa: false, n: 40 },
      ]),
      record(q, noon, [{ surface: 'api-app-user', mfa: true, n: 300 }]),
    ]);
    await w.ctx.requestLog.flush();
    const recount = await w.ctx.db
      .selectFrom('request_log')
      .select([
        'tenant_id',
        'surface',
        sql<string>`coalesce(app_id, '')`.as('app_id'),
        sql<string>`coalesce(user_id, '')`.as('user_id'),
        'occurred_at',
        'mfa_compliant',
        'under_exception',
      ])
      .execute();
    const expected = new Map<string, [number, number, number, number, number | null]>();
    for (const r of recount) {
      // Only the surfaces of B1 and B2 are rolled up.
      if (r.surface !== 'dashboard' && r.surface !== 'api-app-user') continue;
      const at = Number(r.occurred_at);
      const key = [r.tenant_id, new Date(at).toISOString().slice(0, 10), r.surface, r.app_id, r.user_id].join(
        '|',
      );
      const e = expected.get(key) ?? [0, 0, 0, 0, null];
      const mfa = r.mfa_compliant === 1 && r.under_exception === 0;
      e[0] += 1;
      e[1] += mfa ? 1 : 0;
      e[2] += r.under_exception;
      e[3] = Math.max(e[3], at);
      if (!mfa) e[4] = Math.max(e[4] ?? 0, at);
      expected.set(key, e);
    }
    const rollups = await w.ctx.db.selectFrom('request_rollups').selectAll().execute();
    const actual = new Map(
      rollups.map((r) => [
        [r.tenant_id, r.day, r.surface, r.app_id, r.user_id].join('|'),
        [
          r.total,
          r.mfa_compliant,
          r.under_exception,
          Number(r.last_request_at),
          r.last_non_mfa_at === null ? null : Number(r.last_non_mfa_at),
        ],
      ]),
    );
    assert.ok(actual.size > 10, `${actual.size} rollup rows`);
    assert.deepEqual(actual, expected);
  });

  it('SPEC §11: the program status lists every partner tenant by name with its last 7 days', async () => {
    const tenant = await partner();
    const first = '2026-08-01';
    for (let d = 0; d < 9; d++) {
      const day = addDays(first, d);
      await record(tenant, startOfDay(day) + HOUR, [{ surface: 'dashboard', mfa: d % 2 === 0, n: 1 }]);
      await runComplianceClock(w.ctx.db, startOfDay(addDays(day, 1)) + HOUR);
    }
    const now = startOfDay(addDays(first, 9)) + 2 * HOUR;
    const program = await programStatus(w.ctx.db, now);
    const partners = await w.ctx.db
      .selectFrom('tenants')
      .select('id')
      .where('kind', '=', 'partner')
      .execute();
    assert.equal(program.length, partners.length);
    const mine = program.find((p) => p.tenantId === tenant.id)!;
    assert.equal(mine.displayName, tenant.display_name);
    assert.deepEqual(
      mine.trend.map((f) => f.day),
      Array.from({ length: 7 }, (_, i) => addDays(first, 2 + i)),
    );
    assert.equal(mine.current?.day, addDays(first, 8));
    const status = await partnerStatus(w.ctx.db, tenant.id, now, 30);
    assert.equal(status.history.length, 9);
    assert.equal(status.history[0]!.day, first);
    // The 3 newest stored days (today has no figures yet: yesterday's are the newest).
    assert.deepEqual(
      (await partnerStatus(w.ctx.db, tenant.id, now, 3)).history.map((f) => f.day),
      [addDays(first, 6), addDays(first, 7), addDays(first, 8)],
    );
    // Another partner never sees this one's figures.
    const other = await partner();
    assert.deepEqual((await partnerStatus(w.ctx.db, other.id, now)).history, []);
  });

  it('SPEC §11 downloads: the accounts behind non-MFA requests per surface, the App+User requests per application per day, the most recent App+User requests', async () => {
    const tenant = await partner();
    const day = '2026-09-09';
    const alice = randomUUID();
    const bob = randomUUID();
    const at = startOfDay(day) + 10 * HOUR;
    await record(tenant, at, [
      { surface: 'dashboard', mfa: false, n: 1, userId: alice },
      { surface: 'api-app-user', mfa: false, n: 2, userId: bob },
      { surface: 'api-app-only', mfa: false, n: 3 },
    ]);
    await record(tenant, at + 5, [{ surface: 'api-app-user', mfa: true, n: 1, userId: alice }]);
    const now = at + HOUR;
    const portal = await nonMfaPrincipals(w.ctx.db, tenant.id, now, 'dashboard');
    assert.deepEqual(portal, [
      {
        objectId: alice,
        tenantId: tenant.id,
        upn: `user0@${tenant.domain}`,
        lastNonMfaCompliantRequestDateTime: new Date(at).toISOString(),
      },
    ]);
    const api = await nonMfaPrincipals(w.ctx.db, tenant.id, now, 'api-app-user');
    assert.deepEqual(
      api.map((p) => [p.objectId, p.lastNonMfaCompliantRequestDateTime]),
      [[bob, new Date(at + 1).toISOString()]],
    );
    // Eight days later the requests are out of the 7-day window.
    assert.deepEqual(await nonMfaPrincipals(w.ctx.db, tenant.id, now + 8 * 86_400_000, 'dashboard'), []);
    assert.deepEqual(await applicationAdoption(w.ctx.db, tenant.id, now), [
      {
        loginDate: `${day}T00:00:00.000Z`,
        mfaCompliantRequestCount: 1,
        totalRequestCount: 3,
        applicationId: 'c0a1b2c3-0d0e-4f00-a000-00000000a001',
        // Contoso's application: not this tenant's, nor multi-tenant, so its id stands for its name.
        applicationName: 'c0a1b2c3-0d0e-4f00-a000-00000000a001',
      },
    ]);
    const recent = await recentPartnerRequests(w.ctx.db, tenant.id);
    assert.equal(recent.length, 3, 'App+User only: app-only and dashboard rows are left out');
    assert.deepEqual(
      recent.map((r) => [r.objectId, r.mfaCompliant, r.requestDateTime]),
      [
        [alice, true, new Date(at + 5).toISOString()],
        [bob, false, new Date(at + 1).toISOString()],
        [bob, false, new Date(at).toISOString()],
      ],
    );
    assert.equal((await recentPartnerRequests(w.ctx.db, tenant.id, 1)).length, 1);
  });
});
