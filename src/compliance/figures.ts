import { sql } from 'kysely';
import type { Tenant } from '../directory/tenants.ts';
import type { Db } from '../storage/database.ts';
import type { DailyFiguresTable } from '../storage/schema.ts';
import { addDays, WINDOW_DAYS } from './days.ts';
import { type NotEnforcedReason, tenantEnforcement } from './mfa-enforcement.ts';
import type { DailyFigures, Figure, FigureReason } from './status-types.ts';

/**
 * The three figures of SPEC §11 (reference §4.1) for one partner tenant and one UTC day D, over the
 * window D-6 … D:
 * - A: enabled accounts with MFA enforced ÷ enabled accounts, as THE policy function answers at
 *   computation time (mfa-enforcement.ts); disabled accounts are left out;
 * - B1: dashboard operations with the MFA proof ÷ all dashboard operations;
 * - B2: App+User Partner API requests with `mfa` ÷ all App+User requests. App-only requests are
 *   left out entirely, and so are a partner user's Graph requests in a customer tenant
 *   (`graph-app-user`): they are not Partner API requests.
 * Every logged request counts, refused or not. Requests admitted under a technical exception are
 * in the denominators only, counted apart (SPEC §12). B1 and B2 read the daily rollups.
 */

export function figure(numerator: number, denominator: number, underException = 0): Figure {
  return {
    percent: denominator === 0 ? null : Math.round((numerator / denominator) * 1000) / 10,
    numerator,
    denominator,
    underException,
  };
}

/** The window's counters of one surface, summed from the rollups (one indexed range read). */
async function surfaceCounts(
  db: Db,
  tenantId: string,
  surface: 'dashboard' | 'api-app-user',
  windowStart: string,
  day: string,
): Promise<{ total: number; mfa: number; underException: number }> {
  const row = await db
    .selectFrom('request_rollups')
    .select([
      sql<number>`coalesce(sum(total), 0)`.as('total'),
      sql<number>`coalesce(sum(mfa_compliant), 0)`.as('mfa'),
      sql<number>`coalesce(sum(under_exception), 0)`.as('underException'),
    ])
    .where('tenant_id', '=', tenantId)
    .where('day', '>=', windowStart)
    .where('day', '<=', day)
    .where('surface', '=', surface)
    .executeTakeFirstOrThrow();
  return { total: Number(row.total), mfa: Number(row.mfa), underException: Number(row.underException) };
}

function requestReasons(counts: { total: number; mfa: number; underException: number }): FigureReason[] {
  const withoutMfa = counts.total - counts.mfa - counts.underException;
  return [
    ...(withoutMfa > 0 ? [{ code: 'requestsWithoutMfa' as const, count: withoutMfa }] : []),
    ...(counts.underException > 0
      ? [{ code: 'technicalException' as const, count: counts.underException }]
      : []),
  ];
}

/** Computes (does not store) the figures of `tenant` for the window ending with `day`. */
export async function computeDailyFigures(
  db: Db,
  tenant: Tenant,
  day: string,
  now: number,
): Promise<DailyFigures> {
  const windowStart = addDays(day, -(WINDOW_DAYS - 1));
  const [accounts, dashboard, api] = await Promise.all([
    tenantEnforcement(db, tenant, now),
    surfaceCounts(db, tenant.id, 'dashboard', windowStart, day),
    surfaceCounts(db, tenant.id, 'api-app-user', windowStart, day),
  ]);
  const enabled = accounts.filter((a) => a.accountEnabled);
  const enforced = enabled.filter((a) => a.enforced).length;
  const notEnforced = new Map<NotEnforcedReason, number>();
  for (const a of enabled)
    if (!a.enforced && a.reason) notEnforced.set(a.reason, (notEnforced.get(a.reason) ?? 0) + 1);
  return {
    tenantId: tenant.id,
    day,
    windowStart,
    computedAt: now,
    a: figure(enforced, enabled.length),
    b1: figure(dashboard.mfa, dashboard.total, dashboard.underException),
    b2: figure(api.mfa, api.total, api.underException),
    reasons: {
      a: [...notEnforced].map(([code, count]) => ({ code, count })),
      b1: requestReasons(dashboard),
      b2: requestReasons(api),
    },
  };
}

export function toRow(f: DailyFigures): DailyFiguresTable {
  return {
    tenant_id: f.tenantId,
    day: f.day,
    window_start: f.windowStart,
    computed_at: f.computedAt,
    a_numerator: f.a.numerator,
    a_denominator: f.a.denominator,
    b1_numerator: f.b1.numerator,
    b1_denominator: f.b1.denominator,
    b1_under_exception: f.b1.underException,
    b2_numerator: f.b2.numerator,
    b2_denominator: f.b2.denominator,
    b2_under_exception: f.b2.underException,
    reasons: JSON.stringify(f.reasons),
  };
}

export function fromRow(row: DailyFiguresTable): DailyFigures {
  return {
    tenantId: row.tenant_id,
    day: row.day,
    windowStart: row.window_start,
    computedAt: Number(row.computed_at),
    a: figure(row.a_numerator, row.a_denominator),
    b1: figure(row.b1_numerator, row.b1_denominator, row.b1_under_exception),
    b2: figure(row.b2_numerator, row.b2_denominator, row.b2_under_exception),
    reasons: JSON.parse(row.reasons) as DailyFigures['reasons'],
  };
}
