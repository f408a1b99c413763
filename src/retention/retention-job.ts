import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { sql } from 'kysely';
import type { Db } from '../storage/database.ts';
import { deleteOlderThan, type RetainedTable } from './batched-delete.ts';
import { maintainPartitions, type PartitionChanges } from './partition-maintenance.ts';
import {
  DAY_MS,
  DEFAULT_LOG_RETENTION_DAYS,
  DELEGATED_EVIDENCE_DAYS,
  firstRollupDay,
  longestLogRetention,
} from './windows.ts';

/** The logs, kept for their tenant's window (fraud events are not a log: docs/retention.md). */
export const LOGS: readonly RetainedTable[] = [
  {
    table: 'sign_ins',
    timeColumn: 'created_at',
    key: ['tenant_id', 'id', 'created_at'],
    // A partner user's sign-in at a customer's authority (dap.ts reads the last one).
    delegated: sql`coalesce(home_tenant_id, tenant_id) <> tenant_id`,
  },
  { table: 'service_principal_sign_ins', timeColumn: 'created_at', key: ['tenant_id', 'id', 'created_at'] },
  { table: 'audit_events', timeColumn: 'occurred_at', key: ['id', 'occurred_at'] },
  {
    table: 'request_log',
    timeColumn: 'occurred_at',
    key: ['tenant_id', 'id', 'occurred_at'],
    // A partner's request into a customer (dap.ts reads the last one).
    delegated: sql`customer_tenant_id is not null`,
  },
];

/** SPEC §11's rollups and daily figures, kept 13 months for every tenant. */
export const ROLLUPS: readonly RetainedTable[] = [
  { table: 'request_rollups', timeColumn: 'day', key: ['tenant_id', 'day', 'surface', 'app_id', 'user_id'] },
  { table: 'daily_figures', timeColumn: 'day', key: ['tenant_id', 'day'] },
];

/** How often `warden serve` runs retention (on Warden's clock). */
export const RETENTION_INTERVAL_MS = 3_600_000;

/** Tenants per page: a statement per table and window per page when there is nothing to delete. */
const TENANTS_PER_PAGE = 500;

export interface RetentionRun {
  /** Rows deleted in batches, by table. */
  deleted: Record<RetainedTable['table'], number>;
  /** PostgreSQL: the month partitions made and dropped. */
  partitions: PartitionChanges | undefined;
}

/**
 * Issue 16 item 4 on Warden's clock (`now`): on PostgreSQL first the month partitions (made
 * ahead, dropped when past every window), then, a page of tenants at a time, the rows older than
 * each tenant's window deleted in batches (src/retention/batched-delete.ts) — on PostgreSQL what
 * is left in the partial months and the default partition, and for tenants of shorter windows.
 * Safe when instances run it at once: the database settles every step (advisory locks, SKIP LOCKED).
 */
export async function runRetention(
  db: Db,
  kind: 'sqlite' | 'postgres',
  now: number,
  options: { batchRows?: number } = {},
): Promise<RetentionRun> {
  // A month goes only when past every window and past the delegated evidence's floor.
  const partitions =
    kind === 'postgres'
      ? await maintainPartitions(db, now, Math.max(await longestLogRetention(db), DELEGATED_EVIDENCE_DAYS))
      : undefined;
  const deleted = Object.fromEntries(
    [...LOGS, ...ROLLUPS].map((t) => [t.table, 0]),
  ) as RetentionRun['deleted'];
  const rollupDay = firstRollupDay(now);
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
    // The page's tenants by window: nearly all share the default, so one group, one statement.
    const byWindow = new Map<number, string[]>();
    for (const t of page) {
      const days = t.days ?? DEFAULT_LOG_RETENTION_DAYS;
      byWindow.set(days, [...(byWindow.get(days) ?? []), t.id]);
    }
    for (const table of LOGS)
      for (const [days, tenantIds] of byWindow) {
        const cutoff = now - days * DAY_MS;
        if (table.delegated && days < DELEGATED_EVIDENCE_DAYS) {
          // The window for every other row; the delegated evidence keeps its floor.
          const others = sql`not (${table.delegated})`;
          const floor = now - DELEGATED_EVIDENCE_DAYS * DAY_MS;
          deleted[table.table] += await deleteOlderThan(
            db,
            table,
            tenantIds,
            cutoff,
            options.batchRows,
            others,
          );
          deleted[table.table] += await deleteOlderThan(db, table, tenantIds, floor, options.batchRows);
        } else {
          deleted[table.table] += await deleteOlderThan(db, table, tenantIds, cutoff, options.batchRows);
        }
      }
    const everyone = page.map((t) => t.id);
    for (const table of ROLLUPS)
      deleted[table.table] += await deleteOlderThan(db, table, everyone, rollupDay, options.batchRows);
    after = page.at(-1)!.id;
    await yieldToEventLoop();
  }
  return { deleted, partitions };
}
