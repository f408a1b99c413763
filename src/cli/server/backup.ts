import { closeSync, existsSync, linkSync, openSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DatabaseSync, backup as sqliteBackup } from 'node:sqlite';
import { loadConfig } from '../../config.ts';
import { RefusedError } from '../errors.ts';

/**
 * `warden backup --to <file>`: a consistent copy of the SQLite database while servers keep
 * running (SQLite's online backup API, through node:sqlite). PostgreSQL has its own tool, pg_dump.
 * The copy is written next to the target, readable by its owner only (it holds password hashes
 * and sealed secrets), then linked into place, which fails rather than replace a file that appeared
 * meanwhile; a failed run leaves no half-written backup behind.
 */
export async function backupDatabase(to: string): Promise<{ file: string; pages: number }> {
  const config = loadConfig();
  if (config.databaseUrl) {
    throw new RefusedError(
      'warden backup copies the SQLite database; this server uses PostgreSQL (DATABASE_URL).',
      'Back PostgreSQL up with pg_dump, e.g. pg_dump --format=custom --file=warden.dump "$DATABASE_URL" (README "Run in production").',
    );
  }
  const file = resolve(to);
  if (existsSync(file)) throw new RefusedError(`${file} exists; warden backup does not overwrite a file.`);
  const database = join(config.dataDir, 'warden.sqlite');
  if (!existsSync(database)) throw new RefusedError(`There is no database at ${database} (WARDEN_DATA_DIR).`);
  const partial = `${file}.${process.pid}.partial`;
  // Created here, exclusively and 0600, before any byte is copied: never an existing file or a symlink.
  closeSync(openSync(partial, 'wx', 0o600));
  const source = new DatabaseSync(database);
  try {
    const pages = await sqliteBackup(source, partial);
    linkSync(partial, file); // EEXIST if the target appeared since the check above
    return { file, pages };
  } catch (error) {
    if ((error as { code?: string }).code === 'EEXIST')
      throw new RefusedError(`${file} exists; warden backup does not overwrite a file.`);
    throw error;
  } finally {
    rmSync(partial, { force: true });
    source.close();
  }
}
