import { DatabaseSync, type StatementSync } from 'node:sqlite';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Kysely,
  type MigrationLockOptions,
  SqliteAdapter,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
  sql,
} from 'kysely';
import { checkpointOffTheLoop } from './sqlite-checkpointer.ts';
import { asUnavailable, retryWhileBusy } from './unavailable.ts';

/** How long a process waits for another's migrations (SQLite: its write lock) before giving up. */
const MIGRATION_LOCK_WAIT_MS = 120_000;

/**
 * Every transaction begins IMMEDIATE, with the write lock: a deferred one that read first and
 * then writes fails at once (SQLITE_BUSY) when another process wrote meanwhile, whatever the
 * busy timeout; an immediate one waits its turn. Within one process Kysely has a single
 * connection anyway, so this only orders processes sharing a file (SQLite §2 "BEGIN IMMEDIATE").
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/**
 * Kysely runs SQLite migrations without a lock (one connection per process, it assumes one
 * process). Two processes on one file would both apply 0001: the migrations run in one IMMEDIATE
 * transaction instead, so the second waits and then finds nothing to apply.
 */
class SerialisedMigrationsAdapter extends SqliteAdapter {
  override async acquireMigrationLock(db: Kysely<unknown>, _options: MigrationLockOptions): Promise<void> {
    await retryWhileBusy(() => sql`begin immediate`.execute(db), Date.now() + MIGRATION_LOCK_WAIT_MS);
  }
  override async releaseMigrationLock(db: Kysely<unknown>, _options: MigrationLockOptions): Promise<void> {
    await sql`commit`.execute(db);
  }
}

class NodeSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }
  override createDriver(): SqliteDriver {
    return new ImmediateSqliteDriver(this.#config);
  }
  override createAdapter(): SqliteAdapter {
    return new SerialisedMigrationsAdapter();
  }
}

/**
 * Kysely's SqliteDialect speaks the better-sqlite3 interface; node:sqlite differs only in
 * how a statement says whether it returns rows. This adapter bridges that one difference, and
 * reports a write lock held past the busy timeout as DatabaseUnavailable (a 503, issue 9 item 7).
 */
export function nodeSqliteDialect(file: string, options: { busyTimeoutMs: number }): SqliteDialect {
  return new NodeSqliteDialect({
    database: async () => {
      const db = new DatabaseSync(file);
      // busy_timeout first: switching a new file to WAL needs a lock another process may hold.
      // WAL: readers do not block the writer; busy_timeout rides over short write locks.
      // Durability (SPEC §11: the request log commits a row before its response is sent): in WAL
      // mode a COMMIT has written its frames to the -wal file before it returns, so a crash of the
      // process (kill -9, an uncaught error) loses nothing committed; the next open replays the
      // WAL. synchronous = NORMAL skips the fsync per commit (the WAL is synced at checkpoints), so
      // a power loss or kernel crash may roll back the transactions committed since the last
      // checkpoint: the file stays consistent, but answered requests since then can be missing.
      // FULL would fsync every commit on the event loop; deployments that must survive power loss
      // without that cost use PostgreSQL (synchronous_commit = on, its default).
      db.exec(
        `PRAGMA busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs))}; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;`,
      );
      // Checkpoints (and their fsyncs) in a worker thread, not in a COMMIT on the event loop
      // (sqlite-checkpointer.ts); the WAL is cut back to 64 MiB when it restarts.
      db.exec('PRAGMA journal_size_limit = 67108864;');
      db.exec('PRAGMA wal_autocheckpoint = 0;');
      const release = checkpointOffTheLoop(file, () => {
        try {
          if (db.isOpen) db.exec('PRAGMA wal_autocheckpoint = 1000;');
        } catch {
          // closing: nothing to checkpoint for
        }
      });
      if (!release) db.exec('PRAGMA wal_autocheckpoint = 1000;');
      // Kysely emits a few dozen distinct statements; preparing each once saves a parse per query.
      const statements = new Map<string, { statement: StatementSync; reader: boolean }>();
      const prepared = (sql: string) => {
        let entry = statements.get(sql);
        if (!entry) {
          const statement = db.prepare(sql);
          entry = { statement, reader: statement.columns().length > 0 };
          if (statements.size < 1000) statements.set(sql, entry);
        }
        return entry;
      };
      const translated = <T>(work: () => T): T => {
        try {
          return work();
        } catch (error) {
          throw asUnavailable(error);
        }
      };
      return {
        close: () => {
          release?.();
          db.close();
        },
        prepare: (sql: string) => {
          const { statement, reader } = translated(() => prepared(sql));
          return {
            reader,
            all: (parameters: ReadonlyArray<unknown>) =>
              translated(() => statement.all(...(parameters as never[]))),
            run: (parameters: ReadonlyArray<unknown>) =>
              translated(() => {
                const result = statement.run(...(parameters as never[]));
                return { changes: Number(result.changes), lastInsertRowid: Number(result.lastInsertRowid) };
              }),
            iterate: (parameters: ReadonlyArray<unknown>) => statement.iterate(...(parameters as never[])),
          };
        },
      };
    },
  });
}
