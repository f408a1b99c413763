import { recordAuditEvent } from '../audit/audit-events.ts';
import type { WardenContext } from '../context.ts';
import { DirectoryError } from '../directory/directory-error.ts';
import { assertMayChangeCredentials } from '../directory/password-reset.ts';
import { getTenant } from '../directory/tenants.ts';
import type { User } from '../directory/users.ts';
import { revokeUserSessions } from '../sessions/user-sessions.ts';
import { inTransaction } from '../storage/database.ts';
import { isMfaMandated } from './manage.ts';

/**
 * An administrator's "require re-registration of MFA" (issue 15 item 7; reference entra-identity
 * §6.4: after a compromise, the admin resets and revokes sessions): every MFA method of the user
 * and their recovery codes are removed, so the next sign-in must register anew.
 *
 * - Who may: THE credential rule (directory/refusals.ts, change `authenticationMethods`) — not on
 *   oneself, and not on a more privileged account.
 * - Only while policy mandates a method (manage.ts `isMfaMandated`, the rule that keeps the last
 *   method): otherwise nothing would ask for a new registration and the account would be left with
 *   the password alone.
 * - It also ends every session and refresh chain of the user (sessions/user-sessions.ts): a
 *   session signed in with the methods being distrusted must not outlive them, and "the next
 *   sign-in" is then the next thing that happens on that account.
 * - Temporary Access Passes stay: an administrator issued them, and one may be how the user is
 *   meant to register again (issue 15 item 2).
 *
 * One transaction with its audit event. Returns how many methods were removed.
 */
export async function requireMfaReregistration(
  ctx: WardenContext,
  actor: User,
  target: User,
): Promise<number> {
  const now = ctx.clock.now();
  await assertMayChangeCredentials(ctx.db, actor, target, 'authenticationMethods', now);
  const tenant = await getTenant(ctx.db, target.tenantId);
  if (!tenant || !isMfaMandated(tenant, target, now))
    throw new DirectoryError(
      'invalid',
      'No policy requires MFA of this user: removing their methods would leave the password alone, and no sign-in would ask them to register again.',
    );
  return inTransaction(ctx.db, async (trx) => {
    const removed = await trx
      .deleteFrom('auth_methods')
      .where('tenant_id', '=', target.tenantId)
      .where('user_id', '=', target.id)
      .executeTakeFirst();
    await trx
      .deleteFrom('recovery_codes')
      .where('tenant_id', '=', target.tenantId)
      .where('user_id', '=', target.id)
      .execute();
    await revokeUserSessions(trx, target.tenantId, target.id);
    const methodsRemoved = Number(removed.numDeletedRows);
    await recordAuditEvent(
      trx,
      [target.tenantId],
      {
        category: 'UserManagement',
        activity: 'Require re-register multifactor authentication',
        actor: { tenantId: actor.tenantId, userId: actor.id, appId: null, name: actor.userPrincipalName },
        target: { type: 'user', id: target.id, name: target.userPrincipalName },
        details: { methodsRemoved, sessionsRevoked: true },
      },
      now,
    );
    return methodsRemoved;
  });
}
