import type { Application } from './applications.ts';
import { DirectoryError } from './directory-error.ts';
import type { Group } from './groups.ts';
import { LIMITED_ADMIN_ROLES } from './role-sets.ts';
import { isPartnerAgentGroupName, type PartnerAgentGroup } from './roles.ts';
import type { User } from './users.ts';

/*
 * THE per-object authority rules of the directory (STYLE 2: one chokepoint each). The API's gate
 * has already decided that the caller may do this kind of operation at all (graph-api/access.ts);
 * these decide whether it may do it to THIS object. Each is pure: it returns the reason of a
 * refusal (for the 403's message) or undefined when allowed, and `refuseIf` turns a reason into
 * the directory's `refused` error. `actor` is the signed-in administrator, or undefined for an
 * application acting alone.
 */

/** Throws the directory's `refused` error when there is a reason to refuse. */
export function refuseIf(reason: string | undefined): void {
  if (reason !== undefined) throw new DirectoryError('refused', reason);
}

/**
 * What a change to a user touches: the password, a Temporary Access Pass (a credential that signs
 * in without the password: issue 15 item 2), the user's MFA methods (an administrator's "require
 * re-registration": whoever signs in next registers their own), or the account itself (disable,
 * delete, any other field).
 */
export type CredentialChange = 'password' | 'temporaryAccessPass' | 'authenticationMethods' | 'account';

/**
 * Whether `actor` may set the password of, change, disable or delete `target` (the reset route,
 * `PATCH /users/{id}`, deletion and session revocation all ask it). Microsoft Entra's rules: an
 * application alone never sets a password (that needs a person who did MFA) and may change,
 * disable or delete only unprivileged users; a Global Administrator may do anything; a User
 * Administrator acts on non-administrators and limited administrators only; Helpdesk and
 * Password Administrators only on users holding no directory role at all. Membership of a
 * partner agent group (`targetAgentGroups`) is privileged too: it grants Partner Center rights
 * (SPEC §1), and only a Global Administrator changes who is in those groups, so only a Global
 * Administrator may take over such an account. So is holding roles in customers' tenants through a
 * group with an active GDAP access assignment (`targetHoldsDelegatedRoles`, SPEC §13): the account
 * is an administrator elsewhere though it holds no role at home. An application alone never issues
 * a Temporary Access Pass either: like a password, it is a way in that needs a person who did MFA.
 */
export function credentialChangeRefusal(
  actor: User | undefined,
  target: User,
  change: CredentialChange,
  targetAgentGroups: readonly PartnerAgentGroup[] = [],
  targetHoldsDelegatedRoles = false,
): string | undefined {
  const agent =
    targetAgentGroups.length > 0
      ? `a member of the partner agent group${targetAgentGroups.length > 1 ? 's' : ''} ${targetAgentGroups.join(', ')}`
      : targetHoldsDelegatedRoles
        ? 'a user holding GDAP roles in customer tenants'
        : undefined;
  if (!actor) {
    if (change === 'password')
      return 'An application cannot set or reset a password: a signed-in administrator with MFA must.';
    if (change === 'temporaryAccessPass')
      return 'An application cannot issue a Temporary Access Pass: a signed-in administrator with MFA must.';
    if (target.directoryRoles.length > 0)
      return `An application cannot change, disable or delete a user holding a directory role (${target.directoryRoles.join(', ')}).`;
    if (agent)
      return `An application cannot change, disable or delete ${agent}: only a Global Administrator can.`;
    return undefined;
  }
  // Graph: a reset cannot be performed on one's own account (the user changes it at sign-in instead).
  if (change === 'password' && actor.id === target.id)
    return 'An administrator cannot reset their own password this way; change it at sign-in instead.';
  // A pass of one's own would be a second way in that no other administrator saw issued.
  if (change === 'temporaryAccessPass' && actor.id === target.id)
    return 'An administrator cannot issue a Temporary Access Pass to themselves.';
  // One's own methods are changed on one's own, under the self-service rules (fresh MFA, the last
  // method kept while MFA is mandated: authentication-methods/manage.ts), never by an
  // administrator's removal or re-registration of them.
  if (change === 'authenticationMethods' && actor.id === target.id)
    return 'An administrator cannot remove their own MFA methods or require their own re-registration; manage your own methods on the Security info page instead.';
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

/**
 * Whether the caller may change an existing application (PATCH, DELETE, addPassword,
 * removePassword). A signed-in Global Administrator (the only role the permission table admits)
 * may change any. An application acting alone (`heldAppRoles`: the roles its token holds) may
 * change only applications whose granted app roles it holds itself: adding a secret to, or
 * redirecting, an application with more rights would let it act as that application and raise
 * its own rights (Application.ReadWrite.All → RoleManagement.ReadWrite.Directory → Global
 * Administrator).
 */
export function applicationChangeRefusal(
  actor: User | undefined,
  heldAppRoles: readonly string[],
  app: Pick<Application, 'grantedAppRoles' | 'multiTenant' | 'allowedScopes'>,
): string | undefined {
  if (actor) return undefined;
  // An application that signs users in (delegated scopes) or serves other tenants is another
  // identity's front door: redirecting it, or adding a secret to it, would let an application
  // acting alone collect users' codes (and a first-party client's need no consent anywhere).
  if (app.multiTenant || delegatedScopes(app.allowedScopes).length > 0)
    return 'An application cannot change an application that signs users in or serves other tenants: a signed-in Global Administrator must.';
  const beyond = app.grantedAppRoles.filter((role) => !heldAppRoles.includes(role));
  if (beyond.length === 0) return undefined;
  return `An application cannot change an application granted permissions it does not hold itself (${beyond.join(', ')}): a signed-in Global Administrator must.`;
}

/** The delegated (user) scopes among an application's allowed scopes: all but `{resource}/.default`. */
function delegatedScopes(allowed: readonly string[]): string[] {
  return allowed.filter((scope) => !scope.endsWith('/.default'));
}

/**
 * Whether the caller may register an application granted these app roles. Granting app roles is
 * admin consent: it takes a signed-in administrator (with MFA, checked by the gate), never an
 * application acting alone, which could otherwise raise its own rights.
 */
export function applicationGrantRefusal(
  actor: User | undefined,
  grantedAppRoles: readonly string[],
  registered: { multiTenant?: boolean; allowedScopes?: readonly string[] } = {},
): string | undefined {
  if (actor) return undefined;
  if (grantedAppRoles.length > 0)
    return 'Granting application permissions (Role) needs a signed-in Global Administrator.';
  // Delegated scopes are consent too; and an application of the operator is consent-free in every
  // tenant (sign-in/consent.ts): an application acting alone registers neither.
  if (registered.multiTenant || delegatedScopes(registered.allowedScopes ?? []).length > 0)
    return 'Registering an application that signs users in or serves other tenants needs a signed-in Global Administrator.';
  return undefined;
}

/** What an administrator does to a user's risk (SPEC §9; reference §6.1). */
export type RiskChange = 'dismiss' | 'confirmCompromised';

/**
 * Whether `actor` may dismiss, or confirm compromised, `target`'s risk (SPEC §9). Nobody acts on
 * their own risk: a dismissal of one's own would let whoever holds a leaked account clear it, and
 * a confirmation of one's own is the way to lock the last Global Administrator out; another
 * administrator must. Confirming compromised ends every session of the user and blocks them, so a
 * Global Administrator's account is confirmed only by another Global Administrator (a Security
 * Administrator cannot lock out every Global Administrator). An application alone acts only on
 * users holding no directory role.
 */
export function riskChangeRefusal(
  actor: User | undefined,
  target: User,
  change: RiskChange,
): string | undefined {
  if (!actor) {
    if (target.directoryRoles.length > 0)
      return `An application cannot change the risk of a user holding a directory role (${target.directoryRoles.join(', ')}).`;
    return undefined;
  }
  if (actor.id === target.id)
    return change === 'dismiss'
      ? 'An administrator cannot dismiss their own risk: another administrator must.'
      : 'An administrator cannot confirm their own account compromised: another administrator must.';
  if (
    change === 'confirmCompromised' &&
    target.directoryRoles.includes('Global Administrator') &&
    !actor.directoryRoles.includes('Global Administrator')
  )
    return 'Only a Global Administrator confirms a Global Administrator compromised.';
  return undefined;
}

/**
 * Whether the caller may add members to, or remove them from, `group`. Membership of a partner
 * agent group grants Partner Center roles (SPEC §1), and membership of a group carrying a pending or
 * active GDAP access assignment (`carriesDelegatedAccess`) grants roles in customers' tenants
 * (SPEC §13): only a signed-in Global Administrator changes either, so a User Administrator or an
 * application with Group.ReadWrite.All cannot hand itself or anyone else a customer's roles.
 * Other groups: whoever the gate admitted.
 */
export function memberChangeRefusal(
  actor: User | undefined,
  group: Pick<Group, 'displayName'>,
  carriesDelegatedAccess: boolean,
): string | undefined {
  const agentGroup = isPartnerAgentGroupName(group.displayName);
  if (!agentGroup && !carriesDelegatedAccess) return undefined;
  if (actor?.directoryRoles.includes('Global Administrator')) return undefined;
  return agentGroup
    ? `Membership of ${group.displayName} grants Partner Center roles: only a signed-in Global Administrator changes it.`
    : `Membership of ${group.displayName} grants roles in customers' tenants through GDAP: only a signed-in Global Administrator changes it.`;
}
