import { type Db, inTransaction } from '../storage/database.ts';

/** Which of oidc-provider's rows (tokens/oidc-adapter.ts) end: one authority's or all, by grant or account. */
export interface ProtocolRows {
  /** One authority's rows; all authorities' when absent (a chain's grant is one id everywhere). */
  tenantId?: string;
  grantIds?: readonly string[];
  /** A LIKE pattern on the payload, e.g. `%"accountId":"…"%` (user-sessions.ts). */
  accountPattern?: string;
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
  if (rows.accountPattern !== undefined) {
    revoke = revoke.where('payload', 'like', rows.accountPattern);
    remove = remove.where('payload', 'like', rows.accountPattern);
  }
  await revoke.execute();
  await remove.execute();
}
