import { type Kysely, sql } from 'kysely';
import type { Db } from '../storage/database.ts';
import {
  addMonths,
  detachedMonths,
  detachMonthPartition,
  dropDetachedMonth,
  ensureMonthPartition,
  monthPartitions,
  monthStart,
  PARTITIONED_LOGS,
  type PartitionedLog,
  partitionName,
} from '../storage/monthly-partitions.ts';
import { DAY_MS } from './windows.ts';

export interface PartitionChanges {
  created: string[];
  dropped: string[];
  /** Left for the next run: another instance held the table, or a lock was not had within LOCK_TIMEOUT. */
  skipped: string[];
}

/**
 * How long a partition's DDL waits for its lock on the parent. A DROP waits for the queries
 * running on the table; writers that arrive meanwhile queue behind it, so it gives up soon and
 * the next run tries again instead of holding up sign-ins.
 */
const LOCK_TIMEOUT = '2s';

/**
 * PostgreSQL, issue 16 item 4: each partitioned log gets the partitions of this month and the
 * next (made ahead, so rows land in their month, not the default partition), and loses every
 * month that ended more than `longestDays` before `now` — the longest window of any tenant, so
 * the month is past everyone's and dropping it is what the batched deletes would have done, in
 * one cheap statement. Each change is its own transaction under a per-table advisory lock: an
 * instance finding another one at it leaves the table to it (the database settles the race).
 */
export async function maintainPartitions(
  db: Db,
  now: number,
  longestDays: number,
): Promise<PartitionChanges> {
  const changes: PartitionChanges = { created: [], dropped: [], skipped: [] };
  const oldest = now - longestDays * DAY_MS;
  for (const log of PARTITIONED_LOGS) {
    for (const month of [monthStart(now), addMonths(now, 1)]) {
      const made = await underLock(db, log, (trx) => ensureMonthPartition(trx, log, month));
      if (made === undefined) changes.skipped.push(partitionName(log, month));
      else if (made) changes.created.push(partitionName(log, month));
    }
    const raw = db as unknown as Kysely<unknown>;
    for (const month of await monthPartitions(raw, log)) {
      if (addMonths(month, 1) > oldest) break;
      const done = await underLock(db, log, async (trx) => {
        await detachMonthPartition(trx, log, month);
        return true;
      });
      if (!done) changes.skipped.push(partitionName(log, month));
    }
    // The detached months (and any a stopped run left) go without a lock on the log.
    for (const month of await detachedMonths(raw, log)) {
      await dropDetachedMonth(raw, log, month);
      changes.dropped.push(partitionName(log, month));
    }
  }
  return changes;
}

/** Runs `work` in a transaction holding the table's advisory lock; undefined when it could not. */
async function underLock<T>(
  db: Db,
  log: PartitionedLog,
  work: (trx: Kysely<unknown>) => Promise<T>,
): Promise<T | undefined> {
  try {
    return await db.transaction().execute(async (trx) => {
      const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(
        hashtext(${`warden:partitions:${log.table}`})) as locked`.execute(trx);
      if (!rows[0]?.locked) return undefined;
      await sql`set local lock_timeout = ${sql.lit(LOCK_TIMEOUT)}`.execute(trx);
      return work(trx as unknown as Kysely<unknown>);
    });
  } catch (error) {
    if ((error as { code?: unknown }).code === '55P03') return undefined;
    throw error;
  }
}
