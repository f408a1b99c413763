import { randomBytes, randomUUID } from 'node:crypto';
import type { SecretBox } from '../security/secret-box.ts';
import { type Db, inTransaction } from '../storage/database.ts';
import type { ApplicationCredentialTable } from '../storage/schema.ts';

/**
 * Client secrets (Graph `passwordCredentials`): the ONE place an application's secrets live. An
 * application may hold several at once so a secret can be rotated without downtime; each is
 * sealed (the protocol must compare it), shown once when created, and valid until `end_at`.
 */

/** End of a secret that never expires (the operator's own clients: the dashboard, the demo's). */
export const NEVER_EXPIRES = Date.UTC(9999, 11, 31, 23, 59, 59);

/** A secret as anyone may see it afterwards: everything but the secret itself. */
export interface PasswordCredential {
  keyId: string;
  displayName: string | null;
  /** The secret's first three characters (Graph `hint`); null for secrets moved from before 0004. */
  hint: string | null;
  startAt: number;
  endAt: number;
}

// The associated data binds a sealed secret to its application (kept from before migration 0004,
// whose copied rows were sealed this way), so a sealed value cannot be moved to another client.
const aadOf = (applicationId: string) => `client:${applicationId}`;

function toCredential(row: ApplicationCredentialTable): PasswordCredential {
  return {
    keyId: row.key_id,
    displayName: row.display_name,
    hint: row.hint === '' ? null : row.hint,
    startAt: row.created_at,
    endAt: row.end_at,
  };
}

/** A new random secret: 240 bits, URL-safe, so it travels in a form body or Basic header unescaped. */
export function generateSecret(): string {
  return randomBytes(30).toString('base64url');
}

/** Stores a secret sealed and returns its public description; the caller shows the secret once. */
export async function addCredential(
  db: Db,
  box: SecretBox,
  tenantId: string,
  applicationId: string,
  input: { secret: string; displayName: string | null; endAt: number; keyId?: string },
  now: number,
): Promise<PasswordCredential> {
  const row: ApplicationCredentialTable = {
    tenant_id: tenantId,
    application_id: applicationId,
    key_id: input.keyId ?? randomUUID(),
    display_name: input.displayName,
    hint: input.secret.slice(0, 3),
    secret_sealed: box.seal(input.secret, aadOf(applicationId)),
    end_at: input.endAt,
    created_at: now,
  };
  await db.insertInto('application_credentials').values(row).execute();
  return toCredential(row);
}

/** Removes one secret; false when the application has no secret of that key id. */
export async function removeCredential(
  db: Db,
  tenantId: string,
  applicationId: string,
  keyId: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom('application_credentials')
    .where('tenant_id', '=', tenantId)
    .where('application_id', '=', applicationId)
    .where('key_id', '=', keyId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Replaces all secrets of an application by one (the dashboard's, derived from the master key). */
export async function replaceCredentials(
  db: Db,
  box: SecretBox,
  tenantId: string,
  applicationId: string,
  input: { secret: string; displayName: string | null; endAt: number },
  now: number,
): Promise<void> {
  await inTransaction(db, async (trx) => {
    await trx
      .deleteFrom('application_credentials')
      .where('tenant_id', '=', tenantId)
      .where('application_id', '=', applicationId)
      .execute();
    await addCredential(trx, box, tenantId, applicationId, input, now);
  });
}

/** The secrets of several applications of one tenant, in one query, by application id. */
export async function credentialsOf(
  db: Db,
  tenantId: string,
  applicationIds: readonly string[],
): Promise<Map<string, PasswordCredential[]>> {
  const byApp = new Map<string, PasswordCredential[]>(applicationIds.map((id) => [id, []]));
  if (applicationIds.length === 0) return byApp;
  const rows = await db
    .selectFrom('application_credentials')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('application_id', 'in', applicationIds)
    .orderBy('created_at')
    .orderBy('key_id')
    .execute();
  for (const row of rows) byApp.get(row.application_id)?.push(toCredential(row));
  return byApp;
}

/** How many secrets an application holds now (expired ones included: they still take a place). */
export async function countCredentials(db: Db, tenantId: string, applicationId: string): Promise<number> {
  const row = await db
    .selectFrom('application_credentials')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('tenant_id', '=', tenantId)
    .where('application_id', '=', applicationId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export function openSealedSecret(box: SecretBox, applicationId: string, sealed: string): string {
  return box.open(sealed, aadOf(applicationId));
}
