import { createHash } from 'node:crypto';
import type { Db } from '../storage/database.ts';
import type { RevocationTable } from '../storage/schema.ts';

/*
 * The revocation list in the database (migration 0006): which access tokens no longer count,
 * shared by every instance. Access tokens are JWTs checked without a lookup, so a revocation
 * that must reach the APIs before the token expires is a row here, read by the gates through
 * revocation-list.ts.
 *
 * Times are read from Date.now: the clock oidc-provider stamps a token's `iat` with, which a
 * user's revocation is compared against.
 */

/**
 * How long a revocation is kept: no token it covers can still be accepted after that. An access
 * token lives one hour (tokens/provider.ts `ttl.AccessToken`) and the gates accept one up to five
 * minutes past its expiry (tokens/access-tokens.ts, Microsoft's default clock skew).
 */
export const REVOCATION_KEPT_MS = (3600 + 300) * 1000;

/**
 * The reference to a grant that its access tokens carry (claim `gid`): the base64url SHA-256 of
 * oidc-provider's grant id. The grant id is not a bearer credential, but a token shown to clients
 * and resources needs no more than a reference to match.
 */
export function grantReference(grantId: string): string {
  return createHash('sha256').update(grantId).digest('base64url');
}

async function record(
  db: Db,
  row: Pick<RevocationTable, 'tenant_id' | 'kind' | 'subject'>,
  at: number,
): Promise<void> {
  const values = { ...row, revoked_at: at, expires_at: at + REVOCATION_KEPT_MS };
  await db
    .insertInto('revocations')
    .values(values)
    // A later revocation of the same subject moves the cut-off on; an earlier one (two instances
    // racing) never moves it back.
    .onConflict((oc) =>
      oc
        .columns(['tenant_id', 'kind', 'subject'])
        .doUpdateSet({ revoked_at: values.revoked_at, expires_at: values.expires_at })
        .where('revocations.revoked_at', '<', values.revoked_at),
    )
    .execute();
}

/**
 * RFC 6749 §4.1.2, §10.4; RFC 9700 §4.14.2; RFC 7009 §2.1: every access token of the grant stops
 * counting — a replayed code or refresh token, a revoked refresh token, a logout.
 */
export async function revokeGrantTokens(db: Db, tenantId: string, grantId: string, at = Date.now()) {
  await record(db, { tenant_id: tenantId, kind: 'grant', subject: grantReference(grantId) }, at);
}

/**
 * Every access token issued to the user until now stops counting: the account is disabled or
 * deleted, an administrator reset its password, or its sessions were revoked (SPEC §9). Runs in
 * the caller's transaction when given one.
 */
export async function revokeUserTokens(db: Db, tenantId: string, userId: string, at = Date.now()) {
  await record(db, { tenant_id: tenantId, kind: 'user', subject: userId }, at);
}

export interface Revocation {
  tenantId: string;
  kind: RevocationTable['kind'];
  subject: string;
  revokedAt: number;
}

/**
 * The revocations that still cover a token that could be accepted at `now`; with `revokedAfter`,
 * only those made after it (a row's expiry is its revocation time plus REVOCATION_KEPT_MS, so the
 * expiry index serves both questions).
 */
export async function liveRevocations(db: Db, now: number, revokedAfter?: number): Promise<Revocation[]> {
  const floor = revokedAfter === undefined ? now : Math.max(now, revokedAfter + REVOCATION_KEPT_MS);
  const rows = await db
    .selectFrom('revocations')
    .select(['tenant_id', 'kind', 'subject', 'revoked_at'])
    .where('expires_at', '>', floor)
    .execute();
  return rows.map((r) => ({
    tenantId: r.tenant_id,
    kind: r.kind,
    subject: r.subject,
    revokedAt: r.revoked_at,
  }));
}

/** Deletes revocations no token can need any more; run with the periodic purge. */
export async function purgeRevocations(db: Db, now: number): Promise<void> {
  await db.deleteFrom('revocations').where('expires_at', '<=', now).execute();
}
