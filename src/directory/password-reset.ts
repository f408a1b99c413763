import { type AuditActor, recordAuditEvent } from '../audit/audit-events.ts';
import {
  generateTemporaryPassword,
  type PasswordOwner,
  passwordPolicyProblem,
} from '../authentication-methods/password-policy.ts';
import { hashPassword } from '../authentication-methods/passwords.ts';
import type { WardenContext } from '../context.ts';
import { holdsDelegatedAdminRoles } from '../delegated-admin/delegated-access.ts';
import { breachedPasswordProblem } from '../identity-protection/breached-passwords.ts';
import { endUserRisk } from '../identity-protection/risk-state.ts';
import { throttleKeys } from '../security/throttle.ts';
import { revokeUserSessions } from '../sessions/user-sessions.ts';
import { type Db, inTransaction } from '../storage/database.ts';
import { DirectoryError } from './directory-error.ts';
import { agentGroupsOf } from './groups.ts';
import { type CredentialChange, credentialChangeRefusal, refuseIf } from './refusals.ts';
import { type User, updateUser } from './users.ts';

/**
 * THE decision whether `actor` may change `target` (refusals.ts `credentialChangeRefusal`), with
 * the target's agent groups and GDAP roles in customers (delegated-admin) read fresh at `now`;
 * refused: the directory's `refused` error.
 */
export async function assertMayChangeCredentials(
  db: Db,
  actor: User | undefined,
  target: User,
  change: CredentialChange,
  now: number,
): Promise<void> {
  const agentGroups = await agentGroupsOf(db, target.tenantId, target.id);
  const delegated = await holdsDelegatedAdminRoles(
    db,
    { homeTenantId: target.tenantId, userId: target.id },
    now,
  );
  refuseIf(credentialChangeRefusal(actor, target, change, agentGroups, delegated));
}

/** Checks a chosen password against THE policy (password-policy.ts) for this user. */
export function assertPasswordComplies(password: string, target: PasswordOwner): void {
  const problem = passwordPolicyProblem(password, target);
  if (problem) throw new DirectoryError('password_policy', problem);
}

/**
 * SPEC §9: THE policy's rules, then the breached-password list (identity-protection) — the
 * check every place a chosen password is set makes.
 */
export async function assertPasswordAllowed(db: Db, password: string, target: PasswordOwner): Promise<void> {
  assertPasswordComplies(password, target);
  const breached = await breachedPasswordProblem(db, password);
  if (breached) throw new DirectoryError('password_policy', breached);
}

/** A generated temporary password that passes the policy for this user (a name clash is regenerated). */
function temporaryPasswordFor(target: User): string {
  for (;;) {
    const password = generateTemporaryPassword();
    if (!passwordPolicyProblem(password, target)) return password;
  }
}

/**
 * The password part of an admin change, decided and prepared before any write: who may, whether
 * the password complies (or a temporary one), and its argon2 hash (slow: outside the transaction).
 */
export async function preparePasswordReset(
  db: Db,
  actor: User | undefined,
  target: User,
  input: { newPassword?: string | undefined; forceChangePasswordNextSignIn: boolean; now: number },
): Promise<{ password: string; generated: boolean; passwordHash: string; forceChange: boolean }> {
  await assertMayChangeCredentials(db, actor, target, 'password', input.now);
  const generated = input.newPassword === undefined;
  const password = input.newPassword ?? temporaryPasswordFor(target);
  await assertPasswordAllowed(db, password, target);
  return {
    password,
    generated,
    passwordHash: await hashPassword(password),
    forceChange: input.forceChangePasswordNextSignIn,
  };
}

/**
 * Writes a prepared reset in the caller's transaction: the new hash, the must-change flag
 * (SPEC §9), and the end of every session and refresh token the user had — whoever knew the old
 * password is signed out. A reset to a temporary password also remediates the user's risk
 * (reference entra-identity §6.4: riskDetail `adminGeneratedTemporaryPassword`), audited.
 */
export async function applyPasswordReset(
  trx: Db,
  target: User,
  prepared: { passwordHash: string; forceChange: boolean },
  by: { actor: User | undefined; now: number },
): Promise<void> {
  await updateUser(trx, target.tenantId, target.id, {
    password: { hash: prepared.passwordHash, changedAt: by.now },
    passwordChangeRequired: prepared.forceChange,
  });
  await revokeUserSessions(trx, target.tenantId, target.id);
  if (prepared.forceChange)
    await endUserRisk(
      trx,
      { tenantId: target.tenantId, userId: target.id, userPrincipalName: target.userPrincipalName },
      { state: 'remediated', detail: 'adminGeneratedTemporaryPassword' },
      auditActorOfUser(by.actor),
      by.now,
    );
}

/** The audit actor of a directory change: the signed-in administrator, or an application. */
function auditActorOfUser(actor: User | undefined): AuditActor {
  return actor
    ? { tenantId: actor.tenantId, userId: actor.id, appId: null, name: actor.userPrincipalName }
    : { tenantId: null, userId: null, appId: null, name: 'application' };
}

/**
 * Graph's `resetPassword` (SPEC §9 admin unblock): a given or generated temporary password that
 * must be changed at next sign-in. The account's sign-in lock is lifted too: unblocking is the
 * point. Audited (`Reset user password`). Returns the password when Warden generated it (shown once).
 */
export async function resetUserPassword(
  ctx: WardenContext,
  actor: User | undefined,
  target: User,
  newPassword: string | undefined,
): Promise<string | undefined> {
  const prepared = await preparePasswordReset(ctx.db, actor, target, {
    newPassword,
    forceChangePasswordNextSignIn: true,
    now: ctx.clock.now(),
  });
  const now = ctx.clock.now();
  await inTransaction(ctx.db, async (trx) => {
    await applyPasswordReset(trx, target, prepared, { actor, now });
    // Entra's audit activity for an administrator's reset; the password itself is never logged.
    await recordAuditEvent(
      trx,
      [target.tenantId],
      {
        category: 'UserManagement',
        activity: 'Reset user password',
        actor: auditActorOfUser(actor),
        target: { type: 'user', id: target.id, name: target.userPrincipalName },
        details: { generated: prepared.generated, forceChangePasswordNextSignIn: true },
      },
      now,
    );
  });
  await ctx.throttle.succeed(target.tenantId, throttleKeys.account(target.userPrincipalName));
  return prepared.generated ? prepared.password : undefined;
}
