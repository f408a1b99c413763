import type { Db } from '../storage/database.ts';
import { byAccount, endProtocolRows } from './protocol-rows.ts';
import { revokeUserTokens } from './revocations.ts';
import { serviceProviderAccountId } from './service-provider-account.ts';

/**
 * Ends everything a user is signed in with (SPEC §9: after an admin's password reset, and when
 * the account is deleted): oidc-provider's sessions, grants, codes, refresh tokens and device codes
 * of the user, and the user's Partner Center dashboard sessions. Access tokens are JWTs and are
 * not stored: the revocation list records that the user's tokens issued until now no longer
 * count, and the APIs' gates refuse them within seconds (sessions/revocation-list.ts).
 *
 * oidc-provider keeps its state as JSON payloads (see tokens/oidc-adapter.ts); every model that
 * belongs to a user names it as `accountId`, which the adapter also writes to the indexed
 * `account_id` column (migration 0032), so the rows are found by equality, never by scanning
 * payloads; the rows of their grants go too (a refresh token is found by grant). Runs in the
 * caller's transaction when given one.
 */
export async function revokeUserSessions(db: Db, tenantId: string, userId: string): Promise<void> {
  await revokeAtAuthority(db, tenantId, userId);
  // SPEC E3: a partner user's sessions and chains at its customers' authorities go too. Their
  // account id names this tenant and user (sessions/service-provider-account.ts), so it cannot be
  // another tenant's user.
  const delegated = serviceProviderAccountId({ homeTenantId: tenantId, userId });
  const authorities = await db
    .selectFrom('oidc_payloads')
    .select('tenant_id')
    .distinct()
    .where(byAccount(delegated))
    .execute();
  for (const { tenant_id } of authorities) await revokeAtAuthority(db, tenant_id, delegated);
  await db
    .deleteFrom('dashboard_sessions')
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .execute();
  await revokeUserTokens(db, tenantId, userId);
}

/**
 * oidc-provider's payloads of one account at one authority, and the rows of their grants — every
 * authority's (a chain's grant is one id wherever the chain went: tokens/chain-across-authorities.ts).
 */
async function revokeAtAuthority(db: Db, tenantId: string, accountId: string): Promise<void> {
  const grants = (
    await db
      .selectFrom('oidc_payloads')
      .select('grant_id')
      .distinct()
      .where('tenant_id', '=', tenantId)
      .where(byAccount(accountId))
      .where('grant_id', 'is not', null)
      .execute()
  ).map((row) => row.grant_id!);
  const at = Date.now(); // the clock of the revocation list, which the answer's TokensValidFrom matches
  await endProtocolRows(db, { tenantId, accountId }, at);
  await endProtocolRows(db, { grantIds: grants }, at);
}
