import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { SecretBox } from '../security/secret-box.ts';
import type { Db } from '../storage/database.ts';
import { withFirstStartLock } from '../storage/first-start-lock.ts';

/** Retired keys stay published this long, so tokens they signed keep verifying (longest token life + margin). */
export const RETIRED_KEY_GRACE_MS = 2 * 24 * 3600 * 1000;

async function newKey(db: Db, box: SecretBox, now: number): Promise<void> {
  const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
  await db
    .insertInto('signing_keys')
    .values({
      kid,
      alg: 'RS256',
      private_jwk_sealed: box.seal(JSON.stringify(jwk), `signing-key:${kid}`),
      status: 'active',
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
 * Rotation: a new key becomes active and signs from now on; the previous one is retired but
 * stays in the JWKS for RETIRED_KEY_GRACE_MS so tokens it signed keep verifying.
 */
export async function rotateSigningKeys(db: Db, box: SecretBox, now = Date.now()): Promise<string> {
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('signing_keys')
      .set({ status: 'retired', retired_at: now })
      .where('status', '=', 'active')
      .execute();
    await trx
      .deleteFrom('signing_keys')
      .where('status', '=', 'retired')
      .where('retired_at', '<', now - RETIRED_KEY_GRACE_MS)
      .execute();
    await newKey(trx, box, now);
  });
  const active = await db
    .selectFrom('signing_keys')
    .select('kid')
    .where('status', '=', 'active')
    .executeTakeFirstOrThrow();
  return active.kid;
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

/** The active key first (oidc-provider signs with the first key of an algorithm), retired ones after. */
function activeFirst<T extends { status: string }>(rows: T[]): T[] {
  return [...rows.filter((r) => r.status === 'active'), ...rows.filter((r) => r.status !== 'active')];
}

function fingerprintOf(rows: { kid: string; status: string }[]): string {
  return activeFirst(rows)
    .map((r) => `${r.kid}:${r.status}`)
    .join(',');
}

/** The private JWKS for oidc-provider: the active key first (it signs), retired ones after (published only). */
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
