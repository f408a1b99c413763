import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { verifyPassword } from '../authentication-methods/passwords.ts';
import type { Db } from '../storage/database.ts';
import { raiseDetection } from './risk-state.ts';

/**
 * The operator's leaked-credential feed (SPEC §9, issue 15 item 6, reference entra-identity §6.1
 * "Leaked-credential detection"): username/password pairs found in breach dumps. As Entra does,
 * each pair is validated against the account's *current* password hash and a detection is raised
 * only on a confirmed match, always at high risk. The password is compared by argon2 verification
 * against the stored hash and then dropped: it is never written anywhere, nor logged.
 *
 * Format (docs/identity-protection.md): UTF-8 text, one pair a line, `userPrincipalName,password`
 * — split at the FIRST comma (a UPN has none, a password may). Blank lines and lines starting with
 * `#` are skipped; a line without a comma is counted as malformed, never echoed (it may be a password).
 */

export interface LeakedImportResult {
  lines: number;
  /** Pairs whose UPN is a Warden user. */
  known: number;
  /** Of those, pairs whose password is the user's current one: a detection each (or one already raised). */
  matched: number;
  /** New detections (a pair already reported for the same current password raises none). */
  detections: number;
  malformed: number;
}

export async function importLeakedCredentials(
  db: Db,
  file: string,
  now: number,
): Promise<LeakedImportResult> {
  const result: LeakedImportResult = { lines: 0, known: 0, matched: 0, detections: 0, malformed: 0 };
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const raw of lines) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line.startsWith('#')) continue;
    result.lines += 1;
    const comma = line.indexOf(',');
    if (comma <= 0) {
      result.malformed += 1;
      continue;
    }
    const upn = line.slice(0, comma).trim().toLowerCase();
    const password = line.slice(comma + 1);
    // A UPN's domain belongs to one tenant; the rows are read per tenant all the same.
    const users = await db
      .selectFrom('users')
      .select(['tenant_id', 'id', 'user_principal_name', 'password_hash'])
      .where('user_principal_name', '=', upn)
      .execute();
    for (const user of users) {
      result.known += 1;
      if (!user.password_hash || !(await verifyPassword(user.password_hash, password))) continue;
      result.matched += 1;
      // One detection per user per current password: the same feed imported again, or by a second
      // instance, adds nothing; a new leak of a later password is a new detection.
      const passwordVersion = createHash('sha256')
        .update(user.password_hash)
        .digest('base64url')
        .slice(0, 22);
      const raised = await raiseDetection(
        db,
        {
          tenantId: user.tenant_id,
          userId: user.id,
          userPrincipalName: user.user_principal_name,
          riskEventType: 'leakedCredentials',
          riskLevel: 'high',
          timing: 'offline',
          activity: 'user',
          activityAt: now,
          additionalInfo: { riskReasons: 'leakedCredentialsFeed' },
          dedupeKey: `leakedCredentials:${user.id}:${passwordVersion}`,
        },
        now,
      );
      if (raised) result.detections += 1;
    }
  }
  return result;
}
