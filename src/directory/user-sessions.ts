import { revokeUserTokens } from '../sessions/revocations.ts';
import type { Db } from '../storage/database.ts';

/**
 * Ends everything a user is signed in with (SPEC §9: after an admin's password reset, and when
 * the account is deleted): oidc-provider's sessions, grants, codes, refresh tokens and device codes
 * of the user, and the user's Partner Center dashboard sessions. Access tokens are JWTs and are
 * not stored: the revocation list records that the user's tokens issued until now no longer
 * count, and the APIs' gates refuse them within seconds (sessions/revocation-list.ts).
 *
 * oidc-provider keeps its state as JSON payloads (see tokens/oidc-adapter.ts); every model that
 * belongs to a user names it as `accountId`. JSON.stringify writes no spaces, so one LIKE finds them
 * on both SQLite and PostgreSQL; the rows of their grants go too (a refresh token is found by grant).
 * Runs in the caller's transaction when given one.
 */
export async function revokeUserSessions(db: Db, tenantId: string, userId: string): Promise<void> {
  // User ids are GUIDs: no LIKE wildcard can appear in the pattern.
  const pattern = `%"accountId":${JSON.stringify(userId)}%`;
  const grants = (
    await db
      .selectFrom('oidc_payloads')
      .select('grant_id')
      .distinct()
      .where('tenant_id', '=', tenantId)
      .where('payload', 'like', pattern)
      .where('grant_id', 'is not', null)
      .execute()
  ).map((row) => row.grant_id!);
  await db
    .deleteFrom('oidc_payloads')
    .where('tenant_id', '=', tenantId)
    .where('payload', 'like', pattern)
    .execute();
  if (grants.length > 0) {
    await db
      .deleteFrom('oidc_payloads')
      .where('tenant_id', '=', tenantId)
      .where('grant_id', 'in', grants)
      .execute();
  }
  await db
    .deleteFrom('dashboard_sessions')
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .execute();
  await revokeUserTokens(db, tenantId, userId);
}
