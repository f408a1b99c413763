import type { Db } from '../storage/database.ts';
import { addDays, dayOf, WINDOW_DAYS } from './days.ts';
import { fromRow } from './figures.ts';
import type { DailyFigures } from './status-types.ts';

/**
 * What the dashboard, the CLI and the APIs show of the security requirements status (SPEC §11):
 * stored daily figures only (daily-job.ts computes them), so a page costs an indexed read.
 */

/**
 * A partner's figures: its `days` newest stored days (up to today), oldest first; `current` the
 * newest. Tenant-scoped, read newest first along the key (tenant_id, day).
 */
export async function partnerStatus(
  db: Db,
  tenantId: string,
  now: number,
  days = 30,
): Promise<{ current: DailyFigures | undefined; history: DailyFigures[] }> {
  const today = dayOf(now);
  const rows = await db
    .selectFrom('daily_figures')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('day', '<=', today)
    .orderBy('day', 'desc')
    .limit(days)
    .execute();
  const history = rows.reverse().map(fromRow);
  return { current: history.at(-1), history };
}

/**
 * The operator's program view: every partner tenant, by name, with its newest figures and its
 * last 7 stored days (oldest first) from the last 8 days (yesterday's figures are the newest a
 * day's calculation makes; a recalculation may have stored today's). Two queries for any number
 * of partners.
 */
export async function programStatus(
  db: Db,
  now: number,
): Promise<
  Array<{ tenantId: string; displayName: string; current: DailyFigures | undefined; trend: DailyFigures[] }>
> {
  const today = dayOf(now);
  const [partners, rows] = await Promise.all([
    db
      .selectFrom('tenants')
      .select(['id', 'display_name'])
      .where('kind', '=', 'partner')
      .orderBy('display_name')
      .orderBy('id')
      .execute(),
    db
      .selectFrom('daily_figures')
      .innerJoin('tenants', 'tenants.id', 'daily_figures.tenant_id')
      .selectAll('daily_figures')
      .where('tenants.kind', '=', 'partner')
      .where('daily_figures.day', '>=', addDays(today, -WINDOW_DAYS))
      .where('daily_figures.day', '<=', today)
      .orderBy('daily_figures.day')
      .execute(),
  ]);
  const byTenant = new Map<string, DailyFigures[]>();
  for (const row of rows) {
    const list = byTenant.get(row.tenant_id) ?? [];
    list.push(fromRow(row));
    byTenant.set(row.tenant_id, list);
  }
  return partners.map((p) => {
    const trend = (byTenant.get(p.id) ?? []).slice(-WINDOW_DAYS);
    return { tenantId: p.id, displayName: p.display_name, current: trend.at(-1), trend };
  });
}
