import { createHash, randomBytes } from 'node:crypto';
import { safeEqual } from '../security/constant-time.ts';
import type { Db } from '../storage/database.ts';
import type { ActivationLinkTable } from '../storage/schema.ts';

/**
 * One-time activation links: how a tenant's first administrator, created with no password, sets
 * one (warden init, warden tenants create). The link is `/activate/{id}.{secret}`: the id (random,
 * 128 bits) finds the row, the secret (256 bits) proves the holder. Only the secret's SHA-256 is
 * stored (STYLE 8) and compared in constant time; the link works once, until it expires.
 */
export const ACTIVATION_TTL_MS = 72 * 3600 * 1000;

export type ActivationLink = ActivationLinkTable;

const TOKEN = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

function secretHash(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

/** The link's URL under the public base URL (WARDEN_BASE_URL). */
export function activationUrl(baseUrl: string, token: string): string {
  return `${baseUrl}/activate/${token}`;
}

/**
 * Issues a new link for the user, in the caller's transaction when there is one; the user's
 * earlier unused links stop working (one valid link at a time). Returns the token, shown once.
 */
export async function issueActivationLink(
  db: Db,
  tenantId: string,
  userId: string,
  now: number,
): Promise<{ token: string; expiresAt: number }> {
  const id = randomBytes(16).toString('base64url');
  const secret = randomBytes(32).toString('base64url');
  const expiresAt = now + ACTIVATION_TTL_MS;
  await db
    .deleteFrom('activation_links')
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .execute();
  await db
    .insertInto('activation_links')
    .values({
      id,
      tenant_id: tenantId,
      user_id: userId,
      secret_hash: secretHash(secret),
      created_at: now,
      expires_at: expiresAt,
      used_at: null,
    })
    .execute();
  return { token: `${id}.${secret}`, expiresAt };
}

/** What a presented token is: malformed, unknown id, wrong secret, or the link it opens. */
export type TokenReading =
  | { kind: 'malformed' }
  | { kind: 'unknown'; id: string }
  | { kind: 'wrong_secret'; link: ActivationLink }
  | { kind: 'link'; link: ActivationLink };

/**
 * Reads a presented token. The link is found by its id, the one lookup not scoped by tenant:
 * the URL names no tenant, and the id is random; everything after it is tenant-scoped.
 */
export async function readToken(db: Db, token: string): Promise<TokenReading> {
  const match = TOKEN.exec(token);
  if (!match) return { kind: 'malformed' };
  const [, id, secret] = match as unknown as [string, string, string];
  const link = await db.selectFrom('activation_links').selectAll().where('id', '=', id).executeTakeFirst();
  if (!link) return { kind: 'unknown', id };
  return safeEqual(secretHash(secret), link.secret_hash)
    ? { kind: 'link', link }
    : { kind: 'wrong_secret', link };
}

/** Whether a link can still be used now: unused and unexpired (Warden's clock). */
export function linkState(link: ActivationLink, now: number): 'usable' | 'used' | 'expired' {
  if (link.used_at !== null) return 'used';
  return link.expires_at > now ? 'usable' : 'expired';
}

/**
 * Consumes the link: one conditional UPDATE, so of two uses at once exactly one succeeds (the
 * other updates no row). Run it in the transaction that sets the password.
 */
export async function consumeActivationLink(db: Db, link: ActivationLink, now: number): Promise<boolean> {
  const result = await db
    .updateTable('activation_links')
    .set({ used_at: now })
    .where('tenant_id', '=', link.tenant_id)
    .where('id', '=', link.id)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** A fresh read of the link (to tell "used" from "expired" after a failed consume). */
export async function reloadLink(db: Db, link: ActivationLink): Promise<ActivationLink | undefined> {
  return db
    .selectFrom('activation_links')
    .selectAll()
    .where('tenant_id', '=', link.tenant_id)
    .where('id', '=', link.id)
    .executeTakeFirst();
}
