import { recordAuditEvent } from '../audit/audit-events.ts';
import type { WardenContext } from '../context.ts';
import { getUser, lockUserRow, type User, updateUser } from '../directory/users.ts';
import { breachedPasswordProblem } from '../identity-protection/breached-passwords.ts';
import { endUserRisk } from '../identity-protection/risk-state.ts';
import { RULES, throttleKeys } from '../security/throttle.ts';
import { revokeUserSessions } from '../sessions/user-sessions.ts';
import { inTransaction } from '../storage/database.ts';
import { MethodChangeError, requireFreshMfa, type SessionProof } from './manage.ts';
import { passwordPolicyProblem } from './password-policy.ts';
import { hashPassword, verifyPassword } from './passwords.ts';

export type PasswordChangeOutcome =
  | { ok: true }
  | { ok: false; code: 'WrongPassword' | 'PasswordPolicy' | 'Throttled'; message: string };

/**
 * A user changes their own password (issue 15 item 3): the current one proven, the new one under
 * the password policy and not a breached one; then, in one transaction under the user's row lock,
 * the new hash, the must-change flag cleared, every session and refresh chain of the user ended
 * (revokeUserSessions, as a self-service reset ends them), the user's risk remediated and the
 * audit event — never a password.
 * The caller starts its own session again afterwards if it wants to stay signed in. Guesses at
 * the current password count on the sign-in's own counter of the account (one budget for both),
 * and each wrong one is audited.
 */
export async function changeOwnPassword(
  ctx: WardenContext,
  user: User,
  proof: SessionProof,
  input: { current: string; next: string },
): Promise<PasswordChangeOutcome> {
  const now = ctx.clock.now();
  requireFreshMfa(proof, now);
  const actor = { tenantId: user.tenantId, userId: user.id, appId: null, name: user.userPrincipalName };
  const accountKey = throttleKeys.account(user.userPrincipalName);
  if (await ctx.throttle.begin(user.tenantId, accountKey, RULES.passwordPerAccount, now))
    return { ok: false, code: 'Throttled', message: 'Too many wrong passwords. Try again later.' };
  if (!(await verifyPassword(user.passwordHash, input.current))) {
    await recordAuditEvent(
      ctx.db,
      [user.tenantId],
      {
        category: 'UserManagement',
        activity: 'Change user password',
        actor,
        target: { type: 'user', id: user.id, name: user.userPrincipalName },
        details: { result: 'failure', reason: 'wrongCurrentPassword', via: 'securityInfo' },
      },
      now,
    );
    return { ok: false, code: 'WrongPassword', message: 'The current password is not right.' };
  }
  await ctx.throttle.succeed(user.tenantId, accountKey);
  const problem =
    passwordPolicyProblem(input.next, user) ?? (await breachedPasswordProblem(ctx.db, input.next));
  if (problem) return { ok: false, code: 'PasswordPolicy', message: problem };
  const passwordHash = await hashPassword(input.next);
  await inTransaction(ctx.db, async (trx) => {
    await lockUserRow(trx, ctx.dbKind, user.tenantId, user.id);
    const current = await getUser(trx, user.tenantId, user.id);
    // The password proven must still be the account's (no reset in between).
    if (!current?.accountEnabled || current.passwordHash !== user.passwordHash)
      throw new MethodChangeError('MethodNotFound', 'The account changed meanwhile: sign in again.');
    await updateUser(trx, user.tenantId, user.id, {
      password: { hash: passwordHash, changedAt: now },
      passwordChangeRequired: false,
    });
    await revokeUserSessions(trx, user.tenantId, user.id);
    // Reference §6.4: a password change after MFA is a secured one, and remediates an at-risk user
    // (not an administrator's confirmCompromised: endUserRisk's rule).
    await endUserRisk(
      trx,
      { tenantId: user.tenantId, userId: user.id, userPrincipalName: user.userPrincipalName },
      { state: 'remediated', detail: 'userPerformedSecuredPasswordChange' },
      actor,
      now,
    );
    await recordAuditEvent(
      trx,
      [user.tenantId],
      {
        category: 'UserManagement',
        activity: 'Change user password',
        actor,
        target: { type: 'user', id: user.id, name: user.userPrincipalName },
        details: { result: 'success', sessionsRevoked: true, via: 'securityInfo' },
      },
      now,
    );
  });
  return { ok: true };
}
