import { systemClock } from '../../clock.ts';
import { loadConfig } from '../../config.ts';
import {
  BreachedListFormatError,
  importBreachedPasswords,
} from '../../identity-protection/breached-passwords.ts';
import {
  importLeakedCredentials,
  type LeakedImportResult,
} from '../../identity-protection/leaked-credentials.ts';
import { type Db, openDatabase } from '../../storage/database.ts';
import { UsageError } from '../errors.ts';

// The operator's ID Protection imports (SPEC §9, issue 15 item 6): run on the server's machine
// against the configured database, like the other server commands.

async function withDatabase<T>(work: (db: Db) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const { db } = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    return await work(db);
  } finally {
    await db.destroy();
  }
}

/** `warden leaked-credentials import FILE`: each pair checked against its user's current password hash. */
export function importLeakedFeed(file: string): Promise<LeakedImportResult> {
  return withDatabase((db) => importLeakedCredentials(db, file, systemClock.now()));
}

/** `warden breached-passwords import PATH`: a Pwned Passwords file or directory of range files. */
export function importBreachedList(path: string): Promise<{ loaded: number }> {
  return withDatabase(async (db) => {
    try {
      return { loaded: await importBreachedPasswords(db, path) };
    } catch (error) {
      if (error instanceof BreachedListFormatError) throw new UsageError(error.message);
      throw error;
    }
  });
}
