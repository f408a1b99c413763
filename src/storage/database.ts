import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, type LogEvent, PostgresDialect } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from './migrations.ts';
import { type PoolCounts, postgresPool } from './postgres-pool.ts';
import type { Database } from './schema.ts';
import { nodeSqliteDialect } from './sqlite-dialect.ts';

export type Db = Kysely<Database>;

export interface StorageOptions {
  databaseUrl: string | undefined;
  dataDir: string;
  onIdleError?: (error: Error) => void;
  /** PostgreSQL: how long to wait for a connection (README "Configuration"). */
  connectTimeoutMs?: number;
  /** PostgreSQL: statement_timeout; SQLite: how long a write waits for another process's lock. */
  statementTimeoutMs?: number;
  /** Every statement of the opened database once it has answered (issue 16 item 2: query latency). */
  onQuery?: (sql: string, seconds: number, ok: boolean) => void;
}

/** SQLite is one connection (node:sqlite), always open. */
const SQLITE_COUNTS: PoolCounts = { total: 1, idle: 0, waiting: 0, max: 1 };

/** The defaults of WARDEN_DB_CONNECT_TIMEOUT_MS and WARDEN_DB_STATEMENT_TIMEOUT_MS (config.ts). */
const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
const DEFAULT_STATEMENT_TIMEOUT_MS = 10_000;

// PostgreSQL int8 (our epoch-ms columns) arrives as a string by default; our values fit a double.
pg.types.setTypeParser(20, (value) => Number(value));

/**
 * Opens the configured database (PostgreSQL when DATABASE_URL is set, else SQLite in the data dir)
 * and migrates it; `applied` names the migrations this call applied.
 */
export async function openDatabase(
  options: StorageOptions,
): Promise<{ db: Db; kind: 'sqlite' | 'postgres'; applied: string[]; poolCounts: () => PoolCounts }> {
  const onQuery = options.onQuery;
  // Kysely times each statement only when asked to log (no cost when metrics are off).
  const log = onQuery
    ? (event: LogEvent) => onQuery(event.query.sql, event.queryDurationMillis / 1000, event.level === 'query')
    : undefined;
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const statementTimeoutMs = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  if (options.databaseUrl) {
    // Migrations may take as long as they take (and wait for another instance's): a connection
    // of their own without a statement timeout, closed once they are done.
    const migrations = new Kysely<unknown>({
      dialect: new PostgresDialect({
        pool: postgresPool(options.databaseUrl, { connectTimeoutMs, statementTimeoutMs: 0 }, { max: 1 }),
      }),
    });
    let applied: string[];
    try {
      applied = await migrateToLatest(migrations);
    } finally {
      await migrations.destroy();
    }
    const pool = postgresPool(
      options.databaseUrl,
      { connectTimeoutMs, statementTimeoutMs },
      { max: 10, onIdleError: options.onIdleError },
    );
    return {
      db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }), ...(log ? { log } : {}) }),
      kind: 'postgres',
      applied,
      poolCounts: () => pool.counts(),
    };
  }
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const db = new Kysely<Database>({
    dialect: nodeSqliteDialect(join(options.dataDir, 'warden.sqlite'), { busyTimeoutMs: statementTimeoutMs }),
    ...(log ? { log } : {}),
  });
  const applied = await migrateToLatest(db as unknown as Kysely<unknown>);
  return { db, kind: 'sqlite', applied, poolCounts: () => SQLITE_COUNTS };
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
