import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { type RawBuilder, sql } from 'kysely';
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
}

/** Issue 16 item 4: rows per DELETE, each its own short transaction (no writer waits long). */
export const BATCH_ROWS = 1_000;

/**
 * Deletes the tenant's rows of `table` older than `before`, BATCH_ROWS at a time, until none is
 * left; returns how many. Each batch is one statement, so its own transaction: a writer of the
 * same table waits at most for one batch (a few ms), never for the whole backlog. The rows of a
 * batch are found through the (tenant, time) index the table has, and matched by their full key
 * with the time column in it, so on PostgreSQL only the partitions of that time are visited.
 * Two instances deleting at once each delete what the other has not; a row already gone is
 * simply not counted (no error). Between batches the event loop serves requests (SQLite's
 * statements run on it).
 */
export async function deleteOlderThan(
  db: Db,
  table: RetainedTable,
  tenantId: string,
  before: number | string,
  batchRows = BATCH_ROWS,
): Promise<number> {
  const name = sql.id(table.table);
  const time = sql.id(table.timeColumn);
  const key = sql.join(table.key.map((c) => sql.id(c)));
  let deleted = 0;
  for (;;) {
    const result = await sql`delete from ${name}
      where tenant_id = ${tenantId} and ${time} < ${before} and (${key}) in (
        select ${key} from ${name} where tenant_id = ${tenantId} and ${time} < ${before} limit ${batchRows})`.execute(
      db,
    );
    const count = Number(result.numAffectedRows ?? 0);
    deleted += count;
    if (count < batchRows) return deleted;
    await yieldToEventLoop();
  }
}

/**
 * Of the tenants with ids in (`after`, `last`], those that have a row of `table` older than their
 * cutoff (`before`, an expression over the tenant `t` and its setting `r`): one statement for the
 * page, an index probe per tenant in the database, so tenants with nothing to delete cost nothing.
 */
export async function tenantsWithOldRows(
  db: Db,
  table: RetainedTable,
  page: { after: string; last: string },
  before: RawBuilder<unknown>,
): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`select t.id from tenants t
    left join log_retention_settings r on r.tenant_id = t.id
    where t.id > ${page.after} and t.id <= ${page.last} and exists (
      select 1 from ${sql.id(table.table)} o where o.tenant_id = t.id and o.${sql.id(table.timeColumn)} < ${before})
    order by t.id`.execute(db);
  return rows.map((r) => r.id);
}
