import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from './migrations.ts';
import type { Database } from './schema.ts';
import { nodeSqliteDialect } from './sqlite-dialect.ts';

export type Db = Kysely<Database>;

export interface StorageOptions {
  databaseUrl: string | undefined;
  dataDir: string;
  onIdleError?: (error: Error) => void;
}

// PostgreSQL int8 (our epoch-ms columns) arrives as a string by default; our values fit a double.
pg.types.setTypeParser(20, (value) => Number(value));

/**
 * Opens the configured database (PostgreSQL when DATABASE_URL is set, else SQLite in the data dir)
 * and migrates it; `applied` names the migrations this call applied.
 */
export async function openDatabase(
  options: StorageOptions,
): Promise<{ db: Db; kind: 'sqlite' | 'postgres'; applied: string[] }> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10 });
    // An idle client that loses its server (restart, failover) emits 'error'; without a listener
    // that would end the process. The pool replaces the client on next use.
    pool.on('error', (error) => options.onIdleError?.(error));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const applied = await migrateToLatest(db as unknown as Kysely<unknown>);
    return { db, kind: 'postgres', applied };
  }
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const db = new Kysely<Database>({ dialect: nodeSqliteDialect(join(options.dataDir, 'warden.sqlite')) });
  const applied = await migrateToLatest(db as unknown as Kysely<unknown>);
  return { db, kind: 'sqlite', applied };
}

/** Runs `work` in a transaction: the caller's, when `db` already is one, or a new one. */
export function inTransaction<T>(db: Db, work: (trx: Db) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}

/** Whether a write failed on a unique constraint (PostgreSQL 23505, SQLite SQLITE_CONSTRAINT_UNIQUE). */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown; errcode?: unknown };
  return e?.code === '23505' || e?.errcode === 2067 || e?.errcode === 1555;
}
