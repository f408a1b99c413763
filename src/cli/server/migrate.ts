import { sql } from 'kysely';
import { loadConfig } from '../../config.ts';
import { openDatabase } from '../../storage/database.ts';

export interface MigrationReport {
  database: 'sqlite' | 'postgres';
  /** Migrations this run applied, in order. */
  applied: string[];
  /** Every migration the database has, with when it was applied. */
  migrations: { name: string; appliedAt: string }[];
}

/** `warden migrate`: applies the migrations the configured database lacks (the server does the same at start). */
export async function migrate(): Promise<MigrationReport> {
  const config = loadConfig();
  const { db, kind, applied } = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
  });
  try {
    // Kysely's own bookkeeping table: one row per applied migration.
    const rows = await sql<{ name: string; timestamp: string }>`
      select name, timestamp from kysely_migration order by name`.execute(db);
    return {
      database: kind,
      applied,
      migrations: rows.rows.map((r) => ({ name: r.name, appliedAt: r.timestamp })),
    };
  } finally {
    await db.destroy();
  }
}
