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
