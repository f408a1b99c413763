import type { DirectoryRole } from './roles.ts';

/**
 * THE named sets of directory roles. "Privileged" means different things to different rules,
 * so each rule names the set it means instead of keeping a private copy.
 */

/**
 * SPEC §5 (Entra security defaults): holders of these roles must do MFA at every sign-in.
 * MPN Partner Admin has no Entra template and is not in security defaults' list.
 */
export const SECURITY_DEFAULTS_MFA_ROLES: ReadonlySet<DirectoryRole> = new Set([
  'Global Administrator',
  'SharePoint Administrator',
  'Exchange Administrator',
  'Conditional Access Administrator',
  'Security Administrator',
  'Helpdesk Administrator',
  'Password Administrator',
  'Billing Administrator',
  'User Administrator',
]);

/**
 * Entra's "limited administrators" for password resets: the roles a User Administrator may still
 * act on (never Global, Security, Billing or other privileged administrators).
 */
export const LIMITED_ADMIN_ROLES: ReadonlySet<DirectoryRole> = new Set([
  'Helpdesk Administrator',
  'Password Administrator',
  'User Administrator',
]);

/** Whether any of `roles` is in `set`. */
export function holdsAnyOf(roles: readonly string[], set: ReadonlySet<DirectoryRole>): boolean {
  return roles.some((role) => set.has(role as DirectoryRole));
}

/** Graph's `isAdmin` (userRegistrationDetails): the user holds any directory role at all. */
export function isAdministrator(roles: readonly string[]): boolean {
  return roles.length > 0;
}
