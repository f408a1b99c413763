import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { DEFAULT_KEY_PUBLISH_AHEAD_S } from '../config.ts';
import type { SecretBox } from '../security/secret-box.ts';
import type { Db } from '../storage/database.ts';
import { withFirstStartLock } from '../storage/first-start-lock.ts';

/** Retired keys stay published this long, so tokens they signed keep verifying (longest token life + margin). */
export const RETIRED_KEY_GRACE_MS = 2 * 24 * 3600 * 1000;

/**
 * A rotated key is published this long before it signs (issue 16 item 1; the default of
 * WARDEN_KEY_PUBLISH_AHEAD_S). Every instance reloads
 * its keys within 30 s (src/cli/server/serve.ts), and a relying party that meets an unknown `kid`
 * fetches the keys again: once the new key signs, every instance behind a balancer has been
 * publishing it for minutes, so no JWKS fetched from any of them lacks it.
 */
export const KEY_PUBLISH_AHEAD_MS = DEFAULT_KEY_PUBLISH_AHEAD_S * 1000;

async function newKey(
  db: Db,
  box: SecretBox,
  now: number,
  status: 'active' | 'next' = 'active',
): Promise<void> {
  const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
  await db
    .insertInto('signing_keys')
    .values({
      kid,
      alg: 'RS256',
      private_jwk_sealed: box.seal(JSON.stringify(jwk), `signing-key:${kid}`),
      status,
      created_at: now,
      retired_at: null,
    })
    .execute();
}

/**
 * Creates the first signing key on first start (idempotent). Instances starting at once on a new
 * database take the first-start lock, so one creates it and the others find it (issue 9 item 7);
 * migration 0008's unique index keeps a second active key out whatever the path.
 */
export async function ensureSigningKey(db: Db, box: SecretBox, now = Date.now()): Promise<void> {
  if (await activeKid(db)) return;
  await withFirstStartLock(db, async (trx) => {
    if (!(await activeKid(trx))) await newKey(trx, box, now);
  });
}

async function activeKid(db: Db): Promise<string | undefined> {
  const active = await db
    .selectFrom('signing_keys')
    .select('kid')
    .where('status', '=', 'active')
    .executeTakeFirst();
  return active?.kid;
}

/**
 * Rotation. By default the new key is published now and signs from KEY_PUBLISH_AHEAD_MS on
 * (promoteDueSigningKey); a pending one that never signed is replaced. `immediate` (a key that
 * must stop signing now, say it leaked) makes the new key sign at once. Either way the previous
 * key is retired but stays in the JWKS for RETIRED_KEY_GRACE_MS, so tokens it signed keep
 * verifying. Returns the new key's id.
 */
export async function rotateSigningKeys(
  db: Db,
  box: SecretBox,
  now = Date.now(),
  options: { immediate?: boolean } = {},
): Promise<string> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('signing_keys').where('status', '=', 'next').execute();
    await trx
      .deleteFrom('signing_keys')
      .where('status', '=', 'retired')
      .where('retired_at', '<', now - RETIRED_KEY_GRACE_MS)
      .execute();
    if (options.immediate) {
      await trx
        .updateTable('signing_keys')
        .set({ status: 'retired', retired_at: now })
        .where('status', '=', 'active')
        .execute();
      await newKey(trx, box, now);
    } else {
      await newKey(trx, box, now, 'next');
    }
  });
  const made = await db
    .selectFrom('signing_keys')
    .select('kid')
    .where('status', '=', options.immediate ? 'active' : 'next')
    .executeTakeFirstOrThrow();
  return made.kid;
}

/**
 * The pending key starts signing once it has been published `aheadMs` (WARDEN_KEY_PUBLISH_AHEAD_S): it becomes the
 * active key and the active one is retired, in one transaction. Instances run it on their
 * periodic reload; when two do at once the database settles it (the second finds no pending key
 * due, and migration 0008's index keeps a second active key out). Returns whether a key changed.
 */
export async function promoteDueSigningKey(
  db: Db,
  now: number,
  aheadMs = KEY_PUBLISH_AHEAD_MS,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const due = await trx
      .selectFrom('signing_keys')
      .select('kid')
      .where('status', '=', 'next')
      .where('created_at', '<=', now - aheadMs)
      .executeTakeFirst();
    if (!due) return false;
    await trx
      .updateTable('signing_keys')
      .set({ status: 'retired', retired_at: now })
      .where('status', '=', 'active')
      .execute();
    const promoted = await trx
      .updateTable('signing_keys')
      .set({ status: 'active' })
      .where('kid', '=', due.kid)
      .where('status', '=', 'next')
      .executeTakeFirst();
    return Number(promoted.numUpdatedRows) === 1;
  });
}

/** Identifies the key set (kids and states) without unsealing anything: cheap enough to poll. */
export async function signingKeysFingerprint(db: Db): Promise<string> {
  const rows = await db
    .selectFrom('signing_keys')
    .select(['kid', 'status'])
    .orderBy('created_at', 'desc')
    .execute();
  return fingerprintOf(rows);
}

/**
 * The active key first (oidc-provider signs with the first key of an algorithm), then the pending
 * one (published ahead, not signing), then the retired ones (published only).
 */
function activeFirst<T extends { status: string }>(rows: T[]): T[] {
  const rank = (status: string) => (status === 'active' ? 0 : status === 'next' ? 1 : 2);
  return [...rows].sort((a, b) => rank(a.status) - rank(b.status));
}

function fingerprintOf(rows: { kid: string; status: string }[]): string {
  return activeFirst(rows)
    .map((r) => `${r.kid}:${r.status}`)
    .join(',');
}

/** The private JWKS for oidc-provider: the active key first (it signs), the pending and retired ones after (published only). */
export async function loadSigningKeys(db: Db, box: SecretBox): Promise<{ keys: JWK[]; fingerprint: string }> {
  const rows = await db.selectFrom('signing_keys').selectAll().orderBy('created_at', 'desc').execute();
  return {
    keys: activeFirst(rows).map(
      (r) => JSON.parse(box.open(r.private_jwk_sealed, `signing-key:${r.kid}`)) as JWK,
    ),
    fingerprint: fingerprintOf(rows),
  };
}

/** The public JWKS of the issuer (what `/discovery/v2.0/keys` publishes): resource servers verify with it. */
export async function publicSigningKeys(db: Db, box: SecretBox): Promise<JWK[]> {
  const { keys } = await loadSigningKeys(db, box);
  return keys.map(({ kty, n, e, kid, alg, use }) => ({ kty, n, e, kid, alg, use }));
}
