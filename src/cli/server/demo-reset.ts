import { sql } from 'kysely';
import { createContext } from '../../app.ts';
import { loadConfig } from '../../config.ts';
import { type DemoData, insertDemoData, writeDemoFile } from '../../demo/demo-data.ts';
import type { Db } from '../../storage/database.ts';
import { RefusedError } from '../errors.ts';

// Signing keys are the server's, not demo data: keeping them lets running servers go on signing,
// and tokens they issued keep verifying.
const KEPT_TABLES = new Set(['signing_keys']);

/**
 * `warden demo reset`: wipes every table and inserts the demo data again, in one transaction, so
 * a failure leaves the old data in place. Refused outside demo mode.
 */
export async function resetDemo(): Promise<{ demo: DemoData; dataDir: string; tables: string[] }> {
  const config = loadConfig();
  if (!config.demo) {
    throw new RefusedError(
      'warden demo reset is refused: WARDEN_MODE is production, and it would delete every tenant, user and log.',
      'It only runs in demo mode (WARDEN_MODE unset or demo).',
    );
  }
  const ctx = await createContext(config);
  try {
    const { demo, tables } = await ctx.db.transaction().execute(async (trx) => {
      const tables = await wipe(trx, ctx.dbKind);
      return { demo: await insertDemoData({ ...ctx, db: trx }), tables };
    });
    writeDemoFile(config.dataDir, demo);
    return { demo, dataDir: config.dataDir, tables };
  } finally {
    await ctx.requestLog.close();
    await ctx.db.destroy();
  }
}

/** Empties every application table of the database (the migration bookkeeping stays); returns their names. */
async function wipe(trx: Db, kind: 'sqlite' | 'postgres'): Promise<string[]> {
  const schema =
    kind === 'postgres'
      ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(trx)).rows[0]?.schema
      : undefined;
  // Read from the database, not a list here: tables added by later migrations are wiped too.
  const tables = (await trx.introspection.getTables())
    .filter((t) => (schema === undefined || t.schema === schema) && !KEPT_TABLES.has(t.name))
    .map((t) => t.name)
    .sort();
  if (tables.length === 0) return tables;
  if (kind === 'postgres') {
    // One TRUNCATE of all tables together: foreign keys among them need no ordering.
    await sql`truncate table ${sql.join(tables.map((t) => sql.table(t)))}`.execute(trx);
  } else {
    // SQLite has no TRUNCATE; deferring foreign-key checks to the commit frees the order of deletes.
    await sql`pragma defer_foreign_keys = on`.execute(trx);
    for (const table of tables) await sql`delete from ${sql.table(table)}`.execute(trx);
  }
  return tables;
}
