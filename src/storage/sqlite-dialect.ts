import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { SqliteDialect } from 'kysely';

/**
 * Kysely's SqliteDialect speaks the better-sqlite3 interface; node:sqlite differs only in
 * how a statement says whether it returns rows. This adapter bridges that one difference.
 */
export function nodeSqliteDialect(file: string): SqliteDialect {
  return new SqliteDialect({
    database: async () => {
      const db = new DatabaseSync(file);
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
        'PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;',
      );
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
      return {
        close: () => db.close(),
        prepare: (sql: string) => {
          const { statement, reader } = prepared(sql);
          return {
            reader,
            all: (parameters: ReadonlyArray<unknown>) => statement.all(...(parameters as never[])),
            run: (parameters: ReadonlyArray<unknown>) => {
              const result = statement.run(...(parameters as never[]));
              return { changes: Number(result.changes), lastInsertRowid: Number(result.lastInsertRowid) };
            },
            iterate: (parameters: ReadonlyArray<unknown>) => statement.iterate(...(parameters as never[])),
          };
        },
      };
    },
  });
}
