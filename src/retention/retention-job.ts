import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../storage/database.ts';
import { deleteOlderThan, type RetainedTable, tenantsWithOldRows } from './batched-delete.ts';
import { maintainPartitions, type PartitionChanges } from './partition-maintenance.ts';
import { DAY_MS, DEFAULT_LOG_RETENTION_DAYS, firstRollupDay, longestLogRetention } from './windows.ts';

/** The logs, kept for their tenant's window (fraud events are not a log: docs/retention.md). */
export const LOGS: readonly RetainedTable[] = [
  { table: 'sign_ins', timeColumn: 'created_at', key: ['tenant_id', 'id', 'created_at'] },
  { table: 'service_principal_sign_ins', timeColumn: 'created_at', key: ['tenant_id', 'id', 'created_at'] },
  { table: 'audit_events', timeColumn: 'occurred_at', key: ['id', 'occurred_at'] },
  { table: 'request_log', timeColumn: 'occurred_at', key: ['tenant_id', 'id', 'occurred_at'] },
];

/** SPEC §11's rollups and daily figures, kept 13 months for every tenant. */
export const ROLLUPS: readonly RetainedTable[] = [
  { table: 'request_rollups', timeColumn: 'day', key: ['tenant_id', 'day', 'surface', 'app_id', 'user_id'] },
  { table: 'daily_figures', timeColumn: 'day', key: ['tenant_id', 'day'] },
];

/** How often `warden serve` runs retention (on Warden's clock). */
export const RETENTION_INTERVAL_MS = 3_600_000;

/** Tenants read per page: a handful of statements per page whatever their number. */
const TENANTS_PER_PAGE = 500;

export interface RetentionRun {
  /** Rows deleted in batches, by table. */
  deleted: Record<RetainedTable['table'], number>;
  /** PostgreSQL: the month partitions made and dropped. */
  partitions: PartitionChanges | undefined;
}

/**
 * Issue 16 item 4 on Warden's clock (`now`): on PostgreSQL first the month partitions (made
 * ahead, dropped when past every window), then, tenant by tenant, the rows older than the
 * tenant's window deleted in batches (src/retention/batched-delete.ts) — on PostgreSQL what is
 * left in the partial months and the default partition, and for tenants of shorter windows. Safe
 * when instances run it at once: the database settles every step (advisory locks, row locks).
 */
export async function runRetention(
  db: Db,
  kind: 'sqlite' | 'postgres',
  now: number,
  options: { batchRows?: number } = {},
): Promise<RetentionRun> {
  const partitions =
    kind === 'postgres' ? await maintainPartitions(db, now, await longestLogRetention(db)) : undefined;
  const deleted = Object.fromEntries(
    [...LOGS, ...ROLLUPS].map((t) => [t.table, 0]),
  ) as RetentionRun['deleted'];
  const rollupDay = firstRollupDay(now);
  // The tenant's cutoff in SQL (t: the tenant, r: its setting), as windowOf computes it below.
  const logCutoff: RawBuilder<unknown> = sql`${now} - cast(coalesce(r.days, ${sql.lit(DEFAULT_LOG_RETENTION_DAYS)}) as bigint) * ${sql.lit(DAY_MS)}`;
  let after = '';
  for (;;) {
    const page = await db
      .selectFrom('tenants as t')
      .leftJoin('log_retention_settings as r', 'r.tenant_id', 't.id')
      .select(['t.id', 'r.days'])
      .where('t.id', '>', after)
      .orderBy('t.id')
      .limit(TENANTS_PER_PAGE)
      .execute();
    if (page.length === 0) break;
    const range = { after, last: page.at(-1)!.id };
    const days = new Map(page.map((t) => [t.id, t.days ?? DEFAULT_LOG_RETENTION_DAYS]));
    for (const table of LOGS)
      for (const tenantId of await tenantsWithOldRows(db, table, range, logCutoff))
        deleted[table.table] += await deleteOlderThan(
          db,
          table,
          tenantId,
          now - days.get(tenantId)! * DAY_MS,
          options.batchRows,
        );
    for (const table of ROLLUPS)
      for (const tenantId of await tenantsWithOldRows(db, table, range, sql`${rollupDay}`))
        deleted[table.table] += await deleteOlderThan(db, table, tenantId, rollupDay, options.batchRows);
    after = range.last;
    await yieldToEventLoop();
  }
  return { deleted, partitions };
}
