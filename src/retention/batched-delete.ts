import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { PostgresAdapter, type RawBuilder, sql } from 'kysely';
import type { Db } from '../storage/database.ts';

/** A log or rollup table retention deletes from, by tenant and an indexed time column. */
export interface RetainedTable {
  table:
    | 'sign_ins'
    | 'service_principal_sign_ins'
    | 'audit_events'
    | 'request_log'
    | 'request_rollups'
    | 'daily_figures';
  /** Epoch ms for the logs; the UTC day `YYYY-MM-DD` for the rollups. */
  timeColumn: 'created_at' | 'occurred_at' | 'day';
  /** The columns that name one row (its key), the time column among them. */
  key: readonly string[];
  /** The rows that are evidence of a partner's delegated use (kept DELEGATED_EVIDENCE_DAYS at least). */
  delegated?: RawBuilder<unknown>;
}

/** Issue 16 item 4: rows per DELETE, each its own short transaction (no writer waits long). */
export const BATCH_ROWS = 1_000;

/**
 * Deletes the rows of `table` of these tenants (which share one cutoff) older than `before`,
 * `batchRows` at a time, until none is left; returns how many. Each batch is one statement, so
 * its own transaction: a writer of the same table waits at most for one batch (a few ms), never
 * for the whole backlog. The rows of a batch are found through the table's (tenant, time) index,
 * across the tenants of the page at once (one statement finds nothing for a page of tenants with
 * nothing to delete), and matched by their full key with the time column in it, so on PostgreSQL
 * only the partitions of that time are visited. Two instances deleting at once take different
 * rows: on PostgreSQL a batch skips the rows another's batch has locked (SKIP LOCKED: no waiting,
 * no deadlock), and on SQLite the file's lock serialises them; a row already gone is simply not
 * counted. Between batches the event loop serves requests (SQLite's statements run on it).
 */
export async function deleteOlderThan(
  db: Db,
  table: RetainedTable,
  tenantIds: readonly string[],
  before: number | string,
  batchRows = BATCH_ROWS,
  /** Only the rows this condition holds for. */
  only: RawBuilder<unknown> = sql`true`,
): Promise<number> {
  if (tenantIds.length === 0) return 0;
  const name = sql.id(table.table);
  const time = sql.id(table.timeColumn);
  const key = sql.join(table.key.map((c) => sql.id(c)));
  const tenants = sql.join(tenantIds);
  const skipLocked =
    db.getExecutor().adapter instanceof PostgresAdapter ? sql`for update skip locked` : sql``;
  let deleted = 0;
  for (;;) {
    const result = await sql`delete from ${name}
      where tenant_id in (${tenants}) and ${time} < ${before} and (${only}) and (${key}) in (
        select ${key} from ${name} where tenant_id in (${tenants}) and ${time} < ${before} and (${only})
        limit ${batchRows} ${skipLocked})`.execute(db);
    const count = Number(result.numAffectedRows ?? 0);
    deleted += count;
    if (count < batchRows) return deleted;
    await yieldToEventLoop();
  }
}
