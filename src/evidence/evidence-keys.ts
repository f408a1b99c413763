import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import type { SecretBox } from '../security/secret-box.ts';
import { type Db, isUniqueViolation } from '../storage/database.ts';

/** Evidence is signed with ECDSA P-256 (RFC 7518 §3.4): short signatures, no padding choices. */
export const EVIDENCE_ALG = 'ES256';

const purpose = (kid: string) => `evidence-key:${kid}`;

export interface EvidenceSigner {
  kid: string;
  key: CryptoKey;
}

/**
 * The operator's active evidence key, made on first use. Two exports making the first key at once
 * are settled by the unique index of migration 0027: the loser reads the winner's key.
 */
export async function activeEvidenceSigner(db: Db, box: SecretBox, now: number): Promise<EvidenceSigner> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const row = await db
      .selectFrom('evidence_keys')
      .select(['kid', 'private_jwk_sealed'])
      .where('status', '=', 'active')
      .executeTakeFirst();
    if (row) {
      const jwk = JSON.parse(box.open(row.private_jwk_sealed, purpose(row.kid))) as JWK;
      return { kid: row.kid, key: (await importJWK(jwk, EVIDENCE_ALG)) as CryptoKey };
    }
    const { publicKey, privateKey } = await generateKeyPair(EVIDENCE_ALG, { extractable: true });
    const kid = randomUUID();
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: EVIDENCE_ALG, use: 'sig' };
    const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: EVIDENCE_ALG };
    try {
      await db
        .insertInto('evidence_keys')
        .values({
          kid,
          alg: EVIDENCE_ALG,
          public_jwk: JSON.stringify(publicJwk),
          private_jwk_sealed: box.seal(JSON.stringify(privateJwk), purpose(kid)),
          status: 'active',
          created_at: now,
        })
        .execute();
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
  }
  throw new Error('no active evidence key could be made or read');
}

/**
 * Every evidence key's public JWK, active and retired (what an auditor needs, as a JWKS). A public
 * key is stored plain, so one written into the database by someone without the master key would
 * otherwise be trusted: each is checked against its sealed private key (opened with the master key,
 * the same curve point) and a row that does not match, or cannot be opened, is left out.
 */
export async function evidencePublicKeys(db: Db, box: SecretBox): Promise<{ keys: JWK[] }> {
  const rows = await db
    .selectFrom('evidence_keys')
    .select(['kid', 'public_jwk', 'private_jwk_sealed'])
    .orderBy('created_at')
    .execute();
  const keys: JWK[] = [];
  for (const row of rows) {
    const published = JSON.parse(row.public_jwk) as JWK;
    let sealed: JWK;
    try {
      sealed = JSON.parse(box.open(row.private_jwk_sealed, purpose(row.kid))) as JWK;
    } catch {
      continue;
    }
    const same = (['kty', 'crv', 'x', 'y'] as const).every((f) => published[f] === sealed[f]);
    if (same && published.kid === row.kid && sealed.kid === row.kid) keys.push(published);
  }
  return { keys };
}
