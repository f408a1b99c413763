import { closeSync, existsSync, linkSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DatabaseSync, backup as sqliteBackup } from 'node:sqlite';
import { loadConfig } from '../../config.ts';
import { SecretBox } from '../../security/secret-box.ts';
import { openDatabase } from '../../storage/database.ts';
import { knownMigrations } from '../../storage/migrations.ts';
import { RefusedError } from '../errors.ts';

export interface RestoreReport {
  file: string;
  database: string;
  /** Migrations the backup had. */
  migrations: number;
  /** Migrations applied to the restored copy (the backup came from an older Warden). */
  applied: string[];
  /** Where the database that was replaced was moved (`--replace`), if there was one. */
  replaced: string | undefined;
}

/**
 * `warden restore <file>` (issue 16 item 6): a backup made by `warden backup` becomes the SQLite
 * database of the data dir. The file is checked first, read-only: an SQLite database that passes
 * its quick check, with Warden's migrations table, no migration this Warden does not know (a newer
 * Warden's backup would be corrupted by this one), and signing keys that the configured
 * WARDEN_SECRET_KEY opens (a backup is useless without the key that sealed it). It is then copied in
 * under a temporary name and linked into place, and the pending migrations run.
 *
 * A data dir that already holds a database is refused unless `replace` (the servers on it must be
 * stopped first: SQLite cannot tell); the old database is then moved aside, never deleted.
 */
export async function restoreDatabase(
  from: string,
  options: { replace?: boolean } = {},
): Promise<RestoreReport> {
  const config = loadConfig();
  if (config.databaseUrl) {
    throw new RefusedError(
      'warden restore restores an SQLite backup; this server uses PostgreSQL (DATABASE_URL).',
      'Restore PostgreSQL with pg_restore (docs/backups.md).',
    );
  }
  const file = resolve(from);
  if (!existsSync(file) || !statSync(file).isFile())
    throw new RefusedError(`There is no backup file at ${file}.`);
  const migrations = checkBackup(file, config.masterKey);

  const database = join(config.dataDir, 'warden.sqlite');
  if (existsSync(database) && !options.replace) {
    throw new RefusedError(
      `${database} exists; warden restore does not overwrite a database.`,
      'Restore into a new data dir (WARDEN_DATA_DIR), or stop every server on this one and run warden restore --replace (the database is moved aside, not deleted).',
    );
  }
  // The copy is made first, beside the database: a failed copy (disk full, I/O) leaves the data
  // dir as it was. Created exclusively and 0600 (password hashes, sealed secrets).
  const partial = `${database}.${process.pid}.restoring`;
  closeSync(openSync(partial, 'wx', 0o600));
  let replaced: string | undefined;
  try {
    const source = new DatabaseSync(file, { readOnly: true });
    try {
      await sqliteBackup(source, partial);
    } finally {
      source.close();
    }
    if (existsSync(database)) {
      replaced = `${database}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      moveAside(database, replaced);
    }
    try {
      linkSync(partial, database); // EEXIST if a server created a database meanwhile
    } catch (error) {
      // Put the old database back where it was: the data dir is left as the restore found it.
      if (replaced && !existsSync(database)) moveAside(replaced, database);
      const what = replaced ? 'the old database is back in place' : 'nothing was replaced';
      if ((error as { code?: string }).code === 'EEXIST')
        throw new RefusedError(`${database} appeared during the restore (is a server running?); ${what}.`);
      throw error;
    }
  } finally {
    rmSync(partial, { force: true });
  }
  // Pending migrations: the same as a server's start (storage/database.ts).
  const { db, applied } = await openDatabase({ databaseUrl: undefined, dataDir: config.dataDir });
  await db.destroy();
  return { file, database, migrations, applied, replaced };
}

/** Renames a database with its write-ahead log and shared memory (they belong to it, not to another copy). */
function moveAside(from: string, to: string): void {
  renameSync(from, to);
  for (const suffix of ['-wal', '-shm'])
    if (existsSync(from + suffix)) renameSync(from + suffix, to + suffix);
}

/** What makes a file a Warden backup this Warden can restore; returns how many migrations it has. */
function checkBackup(file: string, masterKey: Buffer): number {
  let backup: DatabaseSync;
  try {
    backup = new DatabaseSync(file, { readOnly: true });
  } catch {
    throw new RefusedError(`${file} is not an SQLite database.`);
  }
  try {
    let names: string[];
    try {
      const check = backup.prepare('PRAGMA quick_check').all() as { quick_check: string }[];
      if (check[0]?.quick_check !== 'ok')
        throw new RefusedError(`${file} is a damaged SQLite database: ${check[0]?.quick_check}`);
      names = (
        backup.prepare('select name from kysely_migration order by name').all() as { name: string }[]
      ).map((r) => r.name);
    } catch (error) {
      if (error instanceof RefusedError) throw error;
      throw new RefusedError(`${file} is not a Warden database (${(error as Error).message}).`);
    }
    const known = new Set(knownMigrations());
    const unknown = names.filter((n) => !known.has(n));
    if (names.length === 0 || unknown.length > 0) {
      throw new RefusedError(
        names.length === 0
          ? `${file} has no Warden migrations.`
          : `${file} was made by a newer Warden: migrations ${unknown.join(', ')} are unknown to this one.`,
        names.length === 0 ? undefined : 'Restore it with the Warden version that made it, or a newer one.',
      );
    }
    const keys = backup.prepare('select kid, private_jwk_sealed from signing_keys').all() as {
      kid: string;
      private_jwk_sealed: string;
    }[];
    if (keys.length === 0)
      throw new RefusedError(`${file} has no signing keys: it is no Warden backup to restore.`);
    const box = new SecretBox(masterKey, 'signing-keys');
    try {
      for (const key of keys) box.open(key.private_jwk_sealed, `signing-key:${key.kid}`);
    } catch {
      throw new RefusedError(
        `The signing keys in ${file} were sealed with another WARDEN_SECRET_KEY.`,
        'Set WARDEN_SECRET_KEY to the key of the install that made the backup (demo mode: copy its data dir secret.key into this one).',
      );
    }
    return names.length;
  } finally {
    backup.close();
  }
}
