import { recordAuditEvent } from '../audit/audit-events.ts';
import type { WardenContext } from '../context.ts';
import { DirectoryError } from '../directory/directory-error.ts';
import {
  applyPasswordReset,
  assertMayChangeCredentials,
  preparePasswordReset,
} from '../directory/password-reset.ts';
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
 * - The password is reset to a generated temporary one, to be changed at the next sign-in, in the
 *   same transaction (security review: removing the methods alone would let whoever learned the
 *   password register their own authenticator and own the account; reference §6.4 pairs the
 *   re-registration with a reset). So the actor needs the `password` rule as well, and the
 *   temporary password is shown once to the administrator, who hands it over; it remediates the
 *   user's risk as any reset to a temporary password does.
 * - Temporary Access Passes stay: an administrator issued them, and one may be how the user is
 *   meant to register again (issue 15 item 2).
 *
 * One transaction with its audit events. Returns how many methods were removed and the
 * temporary password (never logged or stored in the clear).
 */
export async function requireMfaReregistration(
  ctx: WardenContext,
  actor: User,
  target: User,
): Promise<{ methodsRemoved: number; temporaryPassword: string }> {
  const now = ctx.clock.now();
  await assertMayChangeCredentials(ctx.db, actor, target, 'authenticationMethods', now);
  const tenant = await getTenant(ctx.db, target.tenantId);
  if (!tenant || !isMfaMandated(tenant, target, now))
    throw new DirectoryError(
      'invalid',
      'No policy requires MFA of this user: removing their methods would leave the password alone, and no sign-in would ask them to register again.',
    );
  // Outside the transaction: the password rule, the policy check and the (slow) hash.
  const reset = await preparePasswordReset(ctx.db, actor, target, {
    forceChangePasswordNextSignIn: true,
    now,
  });
  return inTransaction(ctx.db, async (trx) => {
    await applyPasswordReset(trx, target, reset, { actor, now });
    // Every MFA method: authenticator apps and passkeys (a key an attacker registered included).
    const removedApps = await trx
      .deleteFrom('auth_methods')
      .where('tenant_id', '=', target.tenantId)
      .where('user_id', '=', target.id)
      .executeTakeFirst();
    const removedKeys = await trx
      .deleteFrom('passkey_credentials')
      .where('tenant_id', '=', target.tenantId)
      .where('user_id', '=', target.id)
      .executeTakeFirst();
    await trx
      .deleteFrom('recovery_codes')
      .where('tenant_id', '=', target.tenantId)
      .where('user_id', '=', target.id)
      .execute();
    await revokeUserSessions(trx, target.tenantId, target.id);
    const methodsRemoved = Number(removedApps.numDeletedRows) + Number(removedKeys.numDeletedRows);
    await recordAuditEvent(
      trx,
      [target.tenantId],
      {
        category: 'UserManagement',
        activity: 'Require re-register multifactor authentication',
        actor: { tenantId: actor.tenantId, userId: actor.id, appId: null, name: actor.userPrincipalName },
        target: { type: 'user', id: target.id, name: target.userPrincipalName },
        details: { methodsRemoved, sessionsRevoked: true, temporaryPasswordIssued: true },
      },
      now,
    );
    return { methodsRemoved, temporaryPassword: reset.password };
  });
}
