import { Refusal } from '../errors/catalogued-error.ts';

/**
 * Why the directory refused a change (STYLE 4: a stable code from a closed union). The directory
 * knows no HTTP: each API maps these to its own shape at its edge (graph-api/directory-errors.ts).
 */
export type DirectoryErrorCode =
  /** No such object in the tenant (another tenant's included). */
  | 'not_found'
  /** A value that must be unique in the tenant is taken (a UPN, a group name, a membership). */
  | 'conflict'
  /** The input breaks a rule of the directory (a UPN outside the tenant's domain, a reserved name). */
  | 'invalid'
  /** The actor lacks authority over this object (refusals.ts). */
  | 'refused'
  /** The change would leave the tenant without an enabled Global Administrator. */
  | 'last_global_admin'
  /** A password fails THE policy (authentication-methods/password-policy.ts). */
  | 'password_policy';

export class DirectoryError extends Refusal<DirectoryErrorCode> {}
