import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Db } from '../storage/database.ts';

/**
 * SPEC §9's known-breached password list, in Pwned Passwords' k-anonymity form (issue 15 item 6):
 * SHA-1 hashes of breached passwords, upper-case hex, with how many times each was seen. The
 * hashes are public already; Warden stores nothing else and never a password. docs/identity-protection.md
 * describes the two accepted layouts:
 *
 * - a range file named after its 5-hex prefix (`21BD1`, `21BD1.txt`): lines `SUFFIX:COUNT`, the 35
 *   remaining hex digits of each hash — what `GET https://api.pwnedpasswords.com/range/21BD1`
 *   answers, so a directory of all 16^5 range files is a full offline copy;
 * - any other file: lines `HASH:COUNT` with the full 40 hex digits (the downloadable single file).
 *
 * A directory is read file by file. Blank lines are skipped; any other line that is neither form
 * fails the import with its file and line number, before the batch it is in is written.
 */

const BATCH = 500;
const RANGE_NAME = /^([0-9A-Fa-f]{5})(\.txt)?$/;

export function sha1Hex(password: string): string {
  return createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
}

/** Whether a password's SHA-1 is on the breached list. */
export async function isBreachedPassword(db: Db, password: string): Promise<boolean> {
  const row = await db
    .selectFrom('breached_password_hashes')
    .select('sha1')
    .where('sha1', '=', sha1Hex(password))
    .executeTakeFirst();
  return row !== undefined;
}

/** The words for a person choosing a breached password (THE wording, used at every place a password is set). */
export const BREACHED_PASSWORD_PROBLEM =
  'The password appears in a list of passwords exposed in data breaches. Choose another.';

/** The problem with a new password the list knows, or undefined. */
export async function breachedPasswordProblem(db: Db, password: string): Promise<string | undefined> {
  return (await isBreachedPassword(db, password)) ? BREACHED_PASSWORD_PROBLEM : undefined;
}

export class BreachedListFormatError extends Error {}

async function filesOf(path: string): Promise<string[]> {
  if (!(await stat(path)).isDirectory()) return [path];
  const names = (await readdir(path)).sort();
  return names.map((n) => join(path, n));
}

/**
 * Loads a breached-password list (a file or a directory of range files); a hash already present
 * gets the new count. Returns how many lines were loaded.
 */
export async function importBreachedPasswords(db: Db, path: string): Promise<number> {
  let loaded = 0;
  for (const file of await filesOf(path)) {
    const prefix = RANGE_NAME.exec(basename(file))?.[1]?.toUpperCase();
    const pattern = prefix ? /^([0-9A-Fa-f]{35}):(\d{1,18})$/ : /^([0-9A-Fa-f]{40}):(\d{1,18})$/;
    let batch: { sha1: string; breach_count: number }[] = [];
    let lineNo = 0;
    const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
    for await (const raw of lines) {
      lineNo += 1;
      const line = raw.trim();
      if (line === '') continue;
      const m = pattern.exec(line);
      if (!m)
        throw new BreachedListFormatError(
          `${file}:${lineNo}: expected ${prefix ? 'SUFFIX:COUNT (35 hex digits)' : 'HASH:COUNT (40 hex digits)'}`,
        );
      batch.push({ sha1: `${prefix ?? ''}${m[1]!.toUpperCase()}`, breach_count: Number(m[2]) });
      if (batch.length >= BATCH) {
        loaded += await writeBatch(db, batch);
        batch = [];
      }
    }
    loaded += await writeBatch(db, batch);
  }
  return loaded;
}

async function writeBatch(db: Db, batch: { sha1: string; breach_count: number }[]): Promise<number> {
  if (batch.length === 0) return 0;
  // One hash twice in a batch would make PostgreSQL's upsert touch a row twice: keep the last.
  const unique = [...new Map(batch.map((b) => [b.sha1, b])).values()];
  await db
    .insertInto('breached_password_hashes')
    .values(unique)
    .onConflict((oc) =>
      oc.column('sha1').doUpdateSet((eb) => ({ breach_count: eb.ref('excluded.breach_count') })),
    )
    .execute();
  return batch.length;
}
