import { PostgresAdapter, sql } from 'kysely';
import type { Db } from './database.ts';
import { retryWhileBusy } from './unavailable.ts';

/** Any fixed 64-bit number of Warden's own (Kysely's migration lock uses another). */
const FIRST_START_LOCK = 7_761_726_465_110_001n;

/** How long an instance waits for another's first-start work before giving up. */
const FIRST_START_WAIT_MS = 120_000;

const POLL_MS = 100;

/**
 * Runs first-start work (the first signing key, the demo data) in one transaction that holds the
 * first-start lock, so that of several instances starting at once on an empty database one does
 * the work and the others, once it committed, find it done (issue 9 item 7: races between
 * instances are settled by the database).
 *
 * PostgreSQL: a transaction-level advisory lock, polled with pg_try_advisory_xact_lock so no
 * single statement waits longer than the statement timeout; it ends with the transaction, or with
 * the connection when the process dies. SQLite: a transaction begins IMMEDIATE with the write
 * lock (sqlite-dialect.ts), which serialises the processes sharing the file; waiting for it past
 * the busy timeout is retried here.
 */
export async function withFirstStartLock<T>(db: Db, work: (trx: Db) => Promise<T>): Promise<T> {
  const deadline = Date.now() + FIRST_START_WAIT_MS;
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    const locked = async (trx: Db) => {
      await waitForAdvisoryLock(trx, deadline);
      return work(trx);
    };
    return db.isTransaction ? locked(db) : db.transaction().execute(locked);
  }
  if (db.isTransaction) return work(db); // the caller's transaction already holds the write lock
  return retryWhileBusy(() => db.transaction().execute(work), deadline);
}

async function waitForAdvisoryLock(trx: Db, deadline: number): Promise<void> {
  for (;;) {
    const { rows } = await sql<{
      locked: boolean;
    }>`select pg_try_advisory_xact_lock(${sql.lit(FIRST_START_LOCK)}) as locked`.execute(trx);
    if (rows[0]?.locked) return;
    if (Date.now() >= deadline) throw new Error('another instance held the first-start lock for too long');
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
