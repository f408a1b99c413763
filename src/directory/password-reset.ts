import {
  generateTemporaryPassword,
  type PasswordOwner,
  passwordPolicyProblem,
} from '../authentication-methods/password-policy.ts';
import { hashPassword } from '../authentication-methods/passwords.ts';
import type { WardenContext } from '../context.ts';
import { GraphError } from '../errors/graph-errors.ts';
import { throttleKeys } from '../security/throttle.ts';
import { type Db, inTransaction } from '../storage/database.ts';
import { agentGroupsOf } from './groups.ts';
import { LIMITED_ADMIN_ROLES } from './role-sets.ts';
import type { PartnerAgentGroup } from './roles.ts';
import { revokeUserSessions } from './user-sessions.ts';
import { type User, updateUser } from './users.ts';

/** What the change touches: the password, or the account itself (disable, delete, any other field). */
export type CredentialChange = 'password' | 'account';

/**
 * THE decision whether `actor` may set the password of, change, disable or delete `target`
 * (STYLE 2: one chokepoint; the reset route, `PATCH /users/{id}` and deletion all ask it).
 * Microsoft Entra's rules: an application alone never sets a password (that needs a person who
 * did MFA) and may change, disable or delete only unprivileged users; a Global Administrator may
 * do anything; a User Administrator acts on non-administrators and limited administrators only;
 * Helpdesk and Password Administrators only on users holding no directory role at all.
 * Membership of a partner agent group (`targetAgentGroups`) is privileged too: it grants Partner
 * Center rights (SPEC §1), and only a Global Administrator changes who is in those groups, so
 * only a Global Administrator may take over such an account. The reason is returned for the
 * 403's message; undefined means allowed. Callers outside tests go through
 * `assertMayChangeCredentials`, which reads the agent groups.
 */
export function credentialChangeRefusal(
  actor: User | undefined,
  target: User,
  change: CredentialChange,
  targetAgentGroups: readonly PartnerAgentGroup[] = [],
): string | undefined {
  const agent =
    targetAgentGroups.length > 0
      ? `a member of the partner agent group${targetAgentGroups.length > 1 ? 's' : ''} ${targetAgentGroups.join(', ')}`
      : undefined;
  if (!actor) {
    if (change === 'password')
      return 'An application cannot set or reset a password: a signed-in administrator with MFA must.';
    if (target.directoryRoles.length > 0)
      return `An application cannot change, disable or delete a user holding a directory role (${target.directoryRoles.join(', ')}).`;
    if (agent)
      return `An application cannot change, disable or delete ${agent}: only a Global Administrator can.`;
    return undefined;
  }
  // Graph: a reset cannot be performed on one's own account (the user changes it at sign-in instead).
  if (change === 'password' && actor.id === target.id)
    return 'An administrator cannot reset their own password this way; change it at sign-in instead.';
  const roles = actor.directoryRoles;
  if (roles.includes('Global Administrator')) return undefined;
  if (agent) return `Only a Global Administrator can change the credentials or account of ${agent}.`;
  if (roles.includes('User Administrator')) {
    const privileged = target.directoryRoles.filter((r) => !LIMITED_ADMIN_ROLES.has(r));
    if (privileged.length === 0) return undefined;
    return `A User Administrator cannot change the credentials or account of a user holding ${privileged.join(', ')}.`;
  }
  if (roles.includes('Helpdesk Administrator') || roles.includes('Password Administrator')) {
    if (target.directoryRoles.length === 0) return undefined;
    return 'Helpdesk and Password Administrators can only reset the passwords of users who hold no directory role.';
  }
  return 'Insufficient privileges to change this user.';
}

/** Reads the target's agent groups (fresh) and throws 403 Authorization_RequestDenied on a refusal. */
export async function assertMayChangeCredentials(
  db: Db,
  actor: User | undefined,
  target: User,
  change: CredentialChange,
): Promise<void> {
  const agentGroups = await agentGroupsOf(db, target.tenantId, target.id);
  const refusal = credentialChangeRefusal(actor, target, change, agentGroups);
  if (refusal) throw new GraphError('Authorization_RequestDenied', refusal);
}

/** Checks a chosen password against THE policy (password-policy.ts) for this user. */
export function assertPasswordComplies(password: string, target: PasswordOwner): void {
  const problem = passwordPolicyProblem(password, target);
  if (problem) throw new GraphError('PasswordDoesNotComplyWithPolicy', problem);
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
  input: { newPassword?: string | undefined; forceChangePasswordNextSignIn: boolean },
): Promise<{ password: string; generated: boolean; passwordHash: string; forceChange: boolean }> {
  await assertMayChangeCredentials(db, actor, target, 'password');
  const generated = input.newPassword === undefined;
  const password = input.newPassword ?? temporaryPasswordFor(target);
  assertPasswordComplies(password, target);
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
 * password is signed out.
 */
export async function applyPasswordReset(
  trx: Db,
  target: User,
  prepared: { passwordHash: string; forceChange: boolean },
): Promise<void> {
  await updateUser(trx, target.tenantId, target.id, {
    passwordHash: prepared.passwordHash,
    passwordChangeRequired: prepared.forceChange,
  });
  await revokeUserSessions(trx, target.tenantId, target.id);
}

/**
 * Graph's `resetPassword` (SPEC §9 admin unblock): a given or generated temporary password that
 * must be changed at next sign-in. The account's sign-in lock is lifted too: unblocking is the
 * point. Returns the password when Warden generated it (shown once).
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
  });
  await inTransaction(ctx.db, (trx) => applyPasswordReset(trx, target, prepared));
  await ctx.throttle.succeed(target.tenantId, throttleKeys.account(target.userPrincipalName));
  return prepared.generated ? prepared.password : undefined;
}
