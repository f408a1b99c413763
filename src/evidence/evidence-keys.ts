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

/** Every evidence key's public JWK, active and retired (what an auditor needs, as a JWKS). */
export async function evidencePublicKeys(db: Db): Promise<{ keys: JWK[] }> {
  const rows = await db.selectFrom('evidence_keys').select('public_jwk').orderBy('created_at').execute();
  return { keys: rows.map((r) => JSON.parse(r.public_jwk) as JWK) };
}
