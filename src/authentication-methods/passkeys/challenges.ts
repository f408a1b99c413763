import { randomBytes } from 'node:crypto';
import type { Db } from '../../storage/database.ts';

/** How long a challenge may be answered: the ceremony's own timeout (the options' `timeout`). */
export const PASSKEY_CHALLENGE_TTL_MS = 5 * 60 * 1000;

/**
 * The open WebAuthn challenge of each holder (a sign-in flow, a Security info session; table
 * `passkey_challenges`, migration 0033). A page with a passkey form issues a fresh one (the one it
 * replaces stops working: only the page shown last can answer); the step that verifies takes it
 * first, by a DELETE … RETURNING that one request only wins (WebAuthn L3 §13.4.3: a challenge
 * proves one ceremony), and only within PASSKEY_CHALLENGE_TTL_MS.
 */
export async function issuePasskeyChallenge(
  db: Db,
  tenantId: string,
  holder: string,
  now: number,
): Promise<string> {
  const challenge = randomBytes(32).toString('base64url');
  await db
    .insertInto('passkey_challenges')
    .values({ tenant_id: tenantId, holder, challenge, issued_at: now })
    .onConflict((oc) => oc.columns(['tenant_id', 'holder']).doUpdateSet({ challenge, issued_at: now }))
    .execute();
  return challenge;
}

/** Drops the challenges of abandoned pages, which nobody can answer any more (the server's periodic purge). */
export async function purgeStalePasskeyChallenges(db: Db, now: number): Promise<void> {
  await db
    .deleteFrom('passkey_challenges')
    .where('issued_at', '<', now - PASSKEY_CHALLENGE_TTL_MS)
    .execute();
}

/** Takes the holder's open challenge (it is then gone); undefined when none, taken, or too old. */
export async function takePasskeyChallenge(
  db: Db,
  tenantId: string,
  holder: string,
  now: number,
): Promise<string | undefined> {
  const taken = await db
    .deleteFrom('passkey_challenges')
    .where('tenant_id', '=', tenantId)
    .where('holder', '=', holder)
    .returning(['challenge', 'issued_at'])
    .executeTakeFirst();
  if (!taken || now - Number(taken.issued_at) > PASSKEY_CHALLENGE_TTL_MS) return undefined;
  return taken.challenge;
}
