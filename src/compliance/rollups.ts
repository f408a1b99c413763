import { sql } from 'kysely';
import type { Db } from '../storage/database.ts';
import type { RequestLogTable, RequestRollupTable } from '../storage/schema.ts';
import { dayOf } from './days.ts';

/**
 * The daily rollups of SPEC §11 (issue 14 item 1): every request-log batch is summed here, in
 * memory, by (tenant, UTC day, surface, application, user), and the sums are added to
 * `request_rollups` in the transaction that inserts the batch, so the figures and the downloads
 * read counters, never raw rows, and a batch and its counts are stored or lost together.
 */

type RollupRow = RequestRollupTable;

/** Rows per upsert statement: 11 parameters each, far below SQLite's and PostgreSQL's limits. */
const ROWS_PER_UPSERT = 200;

function keyOf(r: RollupRow): string {
  return `${r.tenant_id}\u0000${r.day}\u0000${r.surface}\u0000${r.app_id}\u0000${r.user_id}`;
}

/**
 * One rollup row per key of the batch, sorted by key: two instances upserting overlapping keys
 * then take PostgreSQL's row locks in the same order and cannot deadlock. A request is
 * MFA-compliant when it carried the proof; one admitted under an exception never is (SPEC §12:
 * it is in the denominator, counted apart).
 */
export function aggregate(rows: readonly RequestLogTable[]): RollupRow[] {
  const sums = new Map<string, RollupRow>();
  for (const row of rows) {
    const underException = row.under_exception === 1;
    const mfa = row.mfa_compliant === 1 && !underException;
    const occurredAt = Number(row.occurred_at);
    const next: RollupRow = {
      tenant_id: row.tenant_id,
      day: dayOf(occurredAt),
      surface: row.surface,
      app_id: row.app_id ?? '',
      user_id: row.user_id ?? '',
      user_principal_name: row.user_principal_name,
      total: 1,
      mfa_compliant: mfa ? 1 : 0,
      under_exception: underException ? 1 : 0,
      last_request_at: occurredAt,
      last_non_mfa_at: mfa ? null : occurredAt,
    };
    const key = keyOf(next);
    const sum = sums.get(key);
    if (!sum) {
      sums.set(key, next);
      continue;
    }
    sum.total += 1;
    sum.mfa_compliant += next.mfa_compliant;
    sum.under_exception += next.under_exception;
    if (occurredAt >= sum.last_request_at) {
      sum.last_request_at = occurredAt;
      sum.user_principal_name = next.user_principal_name ?? sum.user_principal_name;
    }
    if (next.last_non_mfa_at !== null && (sum.last_non_mfa_at ?? -1) < next.last_non_mfa_at)
      sum.last_non_mfa_at = next.last_non_mfa_at;
  }
  return [...sums.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
}

/**
 * Adds the sums to the stored counters: `INSERT … ON CONFLICT (key) DO UPDATE` with the counters
 * added and the times the later of the two (written without GREATEST/MAX, which treat nulls
 * differently on SQLite and PostgreSQL). `db` is the batch's transaction.
 */
export async function addToRollups(db: Db, sums: readonly RollupRow[]): Promise<void> {
  for (let i = 0; i < sums.length; i += ROWS_PER_UPSERT) {
    await db
      .insertInto('request_rollups')
      .values(sums.slice(i, i + ROWS_PER_UPSERT))
      .onConflict((oc) =>
        oc.columns(['tenant_id', 'day', 'surface', 'app_id', 'user_id']).doUpdateSet({
          total: sql`request_rollups.total + excluded.total`,
          mfa_compliant: sql`request_rollups.mfa_compliant + excluded.mfa_compliant`,
          under_exception: sql`request_rollups.under_exception + excluded.under_exception`,
          user_principal_name: sql`case when excluded.last_request_at >= request_rollups.last_request_at then coalesce(excluded.user_principal_name, request_rollups.user_principal_name) else request_rollups.user_principal_name end`,
          last_request_at: sql`case when excluded.last_request_at > request_rollups.last_request_at then excluded.last_request_at else request_rollups.last_request_at end`,
          last_non_mfa_at: sql`case when request_rollups.last_non_mfa_at is null then excluded.last_non_mfa_at when excluded.last_non_mfa_at is null then request_rollups.last_non_mfa_at when excluded.last_non_mfa_at > request_rollups.last_non_mfa_at then excluded.last_non_mfa_at else request_rollups.last_non_mfa_at end`,
        }),
      )
      .execute();
  }
}
