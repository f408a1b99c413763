import { createHash, randomUUID, X509Certificate } from 'node:crypto';
import { type Db, inTransaction } from '../storage/database.ts';
import type { ApplicationKeyCredentialTable } from '../storage/schema.ts';

/**
 * Certificate credentials (Graph `keyCredentials` of type `AsymmetricX509Cert`, usage `Verify`):
 * the ONE place an application's certificates live. A certificate's public key verifies the
 * application's `private_key_jwt` client assertions (RFC 7523 §2.2); the assertion names it by
 * thumbprint (`x5t`, SHA-1, or `x5t#S256`), as MSAL and @azure/identity send it. It is valid from
 * its own notBefore to its notAfter, read on Warden's clock when a token is asked for.
 */

/** A certificate as anyone may see it afterwards (Graph returns `key: null`). */
export interface KeyCredential {
  keyId: string;
  displayName: string | null;
  /** Graph `customKeyIdentifier`: the SHA-1 thumbprint in upper-case hex. */
  thumbprint: string;
  startAt: number;
  endAt: number;
}

/** A stored certificate with what verifying an assertion needs. */
export interface StoredCertificate extends KeyCredential {
  x5t: string;
  x5tS256: string;
  certificate: X509Certificate;
}

/** A certificate read from Graph's `key` (base64 DER), or why it is not one. */
export type ParsedCertificate =
  | { ok: true; der: Buffer; x5t: string; x5tS256: string; startAt: number; endAt: number }
  | { ok: false; reason: 'not_a_certificate' | 'unsupported_key' };

/** Entra's limit is larger; enough for overlapping rotations. */
export const MAX_KEY_CREDENTIALS = 20;

export function parseCertificate(base64Der: string): ParsedCertificate {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64Der)) return { ok: false, reason: 'not_a_certificate' };
  const der = Buffer.from(base64Der, 'base64');
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(der);
  } catch {
    return { ok: false, reason: 'not_a_certificate' };
  }
  // RS*/PS* (RSA) and ES* (EC) assertions; nothing else signs a client assertion.
  const type = certificate.publicKey.asymmetricKeyType;
  if (type !== 'rsa' && type !== 'ec') return { ok: false, reason: 'unsupported_key' };
  return {
    ok: true,
    der: certificate.raw,
    x5t: createHash('sha1').update(certificate.raw).digest('base64url'),
    x5tS256: createHash('sha256').update(certificate.raw).digest('base64url'),
    startAt: Date.parse(certificate.validFrom),
    endAt: Date.parse(certificate.validTo),
  };
}

function toKeyCredential(row: ApplicationKeyCredentialTable): KeyCredential {
  return {
    keyId: row.key_id,
    displayName: row.display_name,
    thumbprint: Buffer.from(row.x5t, 'base64url').toString('hex').toUpperCase(),
    startAt: Number(row.start_at),
    endAt: Number(row.end_at),
  };
}

/** What a PATCH of `keyCredentials` leaves: existing ones by key id, and new certificates. */
export type KeyCredentialChange =
  | { keep: string }
  | { add: Extract<ParsedCertificate, { ok: true }>; displayName: string | null };

/**
 * Graph's PATCH of `keyCredentials` replaces the collection: the application then holds exactly
 * the listed certificates (existing ones named by `keyId`, new ones by `key`). One transaction;
 * false when a kept key id is not the application's (nothing is written).
 */
export async function replaceKeyCredentials(
  db: Db,
  tenantId: string,
  applicationId: string,
  changes: readonly KeyCredentialChange[],
  now: number,
): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    const existing = await trx
      .selectFrom('application_key_credentials')
      .select('key_id')
      .where('tenant_id', '=', tenantId)
      .where('application_id', '=', applicationId)
      .execute();
    const held = new Set(existing.map((r) => r.key_id));
    const kept = new Set(changes.flatMap((c) => ('keep' in c ? [c.keep] : [])));
    for (const keyId of kept) if (!held.has(keyId)) return false;
    const removed = [...held].filter((keyId) => !kept.has(keyId));
    if (removed.length > 0)
      await trx
        .deleteFrom('application_key_credentials')
        .where('tenant_id', '=', tenantId)
        .where('application_id', '=', applicationId)
        .where('key_id', 'in', removed)
        .execute();
    const added = changes.flatMap((c) => ('add' in c ? [c] : []));
    if (added.length > 0)
      await trx
        .insertInto('application_key_credentials')
        .values(
          added.map(({ add, displayName }) => ({
            tenant_id: tenantId,
            application_id: applicationId,
            key_id: randomUUID(),
            display_name: displayName,
            x5t: add.x5t,
            x5t_s256: add.x5tS256,
            certificate: add.der.toString('base64'),
            start_at: add.startAt,
            end_at: add.endAt,
            created_at: now,
          })),
        )
        .execute();
    return true;
  });
}

/** The certificates of several applications of one tenant, in one query, by application id. */
export async function keyCredentialsOf(
  db: Db,
  tenantId: string,
  applicationIds: readonly string[],
): Promise<Map<string, KeyCredential[]>> {
  const byApp = new Map<string, KeyCredential[]>(applicationIds.map((id) => [id, []]));
  if (applicationIds.length === 0) return byApp;
  const rows = await db
    .selectFrom('application_key_credentials')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('application_id', 'in', applicationIds)
    .orderBy('created_at')
    .orderBy('key_id')
    .execute();
  for (const row of rows) byApp.get(row.application_id)?.push(toKeyCredential(row));
  return byApp;
}

/**
 * The application's certificates a client assertion's header names: by `x5t#S256` or `x5t`
 * (either may be sent; both must then name the same certificate), or every certificate when the
 * header names none. Expired ones are returned too: the caller tells "expired" from "unknown".
 */
export async function certificatesNamedBy(
  db: Db,
  tenantId: string,
  applicationId: string,
  header: { x5t?: unknown; 'x5t#S256'?: unknown },
): Promise<StoredCertificate[]> {
  let query = db
    .selectFrom('application_key_credentials')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('application_id', '=', applicationId);
  if (typeof header['x5t#S256'] === 'string') query = query.where('x5t_s256', '=', header['x5t#S256']);
  if (typeof header.x5t === 'string') query = query.where('x5t', '=', header.x5t);
  const rows = await query.orderBy('key_id').limit(MAX_KEY_CREDENTIALS).execute();
  return rows.map((row) => ({
    ...toKeyCredential(row),
    x5t: row.x5t,
    x5tS256: row.x5t_s256,
    certificate: new X509Certificate(Buffer.from(row.certificate, 'base64')),
  }));
}
