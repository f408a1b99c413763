import type { Tenant } from '../directory/tenants.ts';
import type { Db } from '../storage/database.ts';
import { lastCompleteDay } from './days.ts';
import { computeDailyFigures, toRow } from './figures.ts';
import type { DailyFigures } from './status-types.ts';

/**
 * The daily calculation of SPEC §11 on Warden's clock: for every partner tenant, the figures of
 * the last complete UTC day, once. `warden serve` calls it every 30 seconds; when every partner
 * has its figures for yesterday it costs one query. Instances racing to compute the same day each
 * insert with ON CONFLICT DO NOTHING on the key (tenant, day): the first writer's figures stay,
 * the others' insert changes nothing. Returns the figures this call stored.
 */
export async function runComplianceClock(db: Db, now: number): Promise<DailyFigures[]> {
  const day = lastCompleteDay(now);
  const due = await db
    .selectFrom('tenants')
    .selectAll('tenants')
    .where('tenants.kind', '=', 'partner')
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('daily_figures')
            .select('daily_figures.day')
            .whereRef('daily_figures.tenant_id', '=', 'tenants.id')
            .where('daily_figures.day', '=', day),
        ),
      ),
    )
    .orderBy('tenants.id')
    .execute();
  const stored: DailyFigures[] = [];
  for (const tenant of due) {
    const figures = await computeDailyFigures(db, tenant, day, now);
    const result = await db
      .insertInto('daily_figures')
      .values(toRow(figures))
      .onConflict((oc) => oc.columns(['tenant_id', 'day']).doNothing())
      .executeTakeFirst();
    if (Number(result.numInsertedOrUpdatedRows ?? 0) > 0) stored.push(figures);
  }
  return stored;
}

/**
 * The operator's recalculation on demand: computes the figures of `tenant` for `day` afresh and
 * replaces what was stored (or stores them).
 */
export async function recalculateFigures(
  db: Db,
  tenant: Tenant,
  day: string,
  now: number,
): Promise<DailyFigures> {
  const figures = await computeDailyFigures(db, tenant, day, now);
  const { tenant_id: _t, day: _d, ...changes } = toRow(figures);
  await db
    .insertInto('daily_figures')
    .values(toRow(figures))
    .onConflict((oc) => oc.columns(['tenant_id', 'day']).doUpdateSet(changes))
    .execute();
  return figures;
}

/** The partner tenants, by name (the operator's recalculation of all of them). */
export async function partnerTenants(db: Db): Promise<Tenant[]> {
  return db.selectFrom('tenants').selectAll().where('kind', '=', 'partner').orderBy('display_name').execute();
}
