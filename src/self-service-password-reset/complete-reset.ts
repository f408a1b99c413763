import { recordAuditEvent } from '../audit/audit-events.ts';
import type { WardenContext } from '../context.ts';
import { getUser, lockUserRow, passwordHashFingerprint, type User, updateUser } from '../directory/users.ts';
import { endUserRisk } from '../identity-protection/risk-state.ts';
import { safeEqual } from '../security/constant-time.ts';
import { revokeUserSessions } from '../sessions/user-sessions.ts';
import { inTransaction } from '../storage/database.ts';
import type { ResetMethod } from './state.ts';

/**
 * The end of a self-service password reset (issue 15 item 5), in one transaction: the new hash,
 * the must-change flag cleared, every session and refresh chain of the user ended, the user's risk
 * remediated (`userPerformedSecuredPasswordReset`, reference §6.4) and the audit event — never the
 * password. Under the row's lock the account is read again: one disabled, or whose password
 * changed (another reset, an administrator's) since the reset began (`passwordFingerprint`), is
 * not reset (false).
 */
export async function completeSelfServiceReset(
  ctx: WardenContext,
  user: User,
  reset: { passwordHash: string; passwordFingerprint: string; methods: readonly ResetMethod[] },
  now: number,
): Promise<boolean> {
  const actor = { tenantId: user.tenantId, userId: user.id, appId: null, name: user.userPrincipalName };
  return inTransaction(ctx.db, async (trx) => {
    await lockUserRow(trx, ctx.dbKind, user.tenantId, user.id);
    const current = await getUser(trx, user.tenantId, user.id);
    if (
      !current?.accountEnabled ||
      !current.passwordHash ||
      !safeEqual(passwordHashFingerprint(current.passwordHash), reset.passwordFingerprint)
    )
      return false;
    await updateUser(trx, user.tenantId, user.id, {
      password: { hash: reset.passwordHash, changedAt: now },
      passwordChangeRequired: false,
    });
    await revokeUserSessions(trx, user.tenantId, user.id);
    await endUserRisk(
      trx,
      { tenantId: user.tenantId, userId: user.id, userPrincipalName: user.userPrincipalName },
      { state: 'remediated', detail: 'userPerformedSecuredPasswordReset' },
      actor,
      now,
    );
    await recordAuditEvent(
      trx,
      [user.tenantId],
      {
        category: 'UserManagement',
        activity: 'Self-service password reset',
        actor,
        target: { type: 'user', id: user.id, name: user.userPrincipalName },
        details: { result: 'success', methods: reset.methods, sessionsRevoked: true },
      },
      now,
    );
    return true;
  });
}
