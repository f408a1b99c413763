import type { ExpressionBuilder } from 'kysely';
import { type Db, inTransaction } from '../storage/database.ts';
import type { Database } from '../storage/schema.ts';

/** Which of oidc-provider's rows (tokens/oidc-adapter.ts) end: one authority's or all, by grant or account. */
export interface ProtocolRows {
  /** One authority's rows; all authorities' when absent (a chain's grant is one id everywhere). */
  tenantId?: string;
  grantIds?: readonly string[];
  /** The account the rows belong to (the payload's `accountId`, indexed: migration 0032). */
  accountId?: string;
}

/**
 * The account one of oidc-provider's payloads belongs to: its `accountId`, or, for an interaction,
 * the account of the session it continues or of the sign-in it completed (so ending a user's
 * sessions also ends a sign-in of theirs still on its way back to oidc-provider). Written to the
 * row's indexed `account_id` (migration 0032).
 */
export function payloadAccountId(payload: {
  accountId?: unknown;
  session?: { accountId?: unknown } | undefined;
  result?: { login?: { accountId?: unknown } } | undefined;
}): string | null {
  for (const candidate of [payload.accountId, payload.session?.accountId, payload.result?.login?.accountId])
    if (typeof candidate === 'string') return candidate;
  return null;
}

/**
 * The rows of one account: by the indexed column, and — for a row an instance still on the code
 * before migration 0032 wrote during a rolling upgrade (its `account_id` is null) — by the payload,
 * as before. Only rows without an account are scanned that way. User ids are GUIDs and the
 * service-provider form adds only `sp:` and colons: no LIKE wildcard can appear in the pattern.
 */
export function byAccount(accountId: string) {
  const pattern = `%"accountId":${JSON.stringify(accountId)}%`;
  return (eb: ExpressionBuilder<Database, 'oidc_payloads'>) =>
    eb.or([
      eb('account_id', '=', accountId),
      eb.and([eb('account_id', 'is', null), eb('payload', 'like', pattern)]),
    ]);
}

/**
 * Ends oidc-provider's rows of a grant or an account. Refresh tokens are not deleted but marked
 * revoked and kept until they would have expired: presenting one is then answered AADSTS50173
 * with the time tokens are valid from (tokens/refresh-chain-answers.ts), as Entra answers a chain
 * revoked by a password reset or "revoke sessions" (reference §3.2). Everything else goes.
 * Both statements run in one transaction (the caller's when given one): a chain is never left
 * half-ended.
 */
export async function endProtocolRows(db: Db, rows: ProtocolRows, at: number): Promise<void> {
  if (rows.grantIds?.length === 0) return;
  await inTransaction(db, (trx) => endRows(trx, rows, at));
}

async function endRows(db: Db, rows: ProtocolRows, at: number): Promise<void> {
  let revoke = db
    .updateTable('oidc_payloads')
    .set({ revoked_at: at })
    .where('model', '=', 'RefreshToken')
    .where('revoked_at', 'is', null);
  let remove = db.deleteFrom('oidc_payloads').where('model', '<>', 'RefreshToken');
  if (rows.tenantId !== undefined) {
    revoke = revoke.where('tenant_id', '=', rows.tenantId);
    remove = remove.where('tenant_id', '=', rows.tenantId);
  }
  if (rows.grantIds !== undefined) {
    revoke = revoke.where('grant_id', 'in', rows.grantIds);
    remove = remove.where('grant_id', 'in', rows.grantIds);
  }
  if (rows.accountId !== undefined) {
    revoke = revoke.where(byAccount(rows.accountId));
    remove = remove.where(byAccount(rows.accountId));
  }
  await revoke.execute();
  await remove.execute();
}
