import { methodsOf } from '../authentication-methods/methods.ts';
import type { User } from '../directory/users.ts';
import type { Db } from '../storage/database.ts';
import { methodsRequired } from './methods-required.ts';
import type { ResetMethod } from './state.ts';

/** Whether a user could reset a forgotten password themselves now, and what is missing if not. */
export interface ResetReadiness {
  /** Different methods the reset asks of this user (2 for an administrator). */
  required: number;
  /** The reset's methods the user has now: an authenticator app, unused recovery codes. */
  available: ResetMethod[];
  ready: boolean;
  /** An account without a password (it signs in with a passkey or a pass) has nothing to reset. */
  passwordSet: boolean;
}

/**
 * Issue 15 item 5, "administrators are asked to register for it": what the self-service reset
 * would ask of the user (methods-required.ts) against what they have. A passkey signs in but does
 * not reset a password (the reset proves codes), so a user with only a passkey is not ready; nor
 * is an account that has no password.
 */
export async function resetReadiness(db: Db, user: User): Promise<ResetReadiness> {
  const [methods, required] = await Promise.all([
    methodsOf(db, user.tenantId, user.id),
    methodsRequired(db, user.tenantId, user),
  ]);
  const available: ResetMethod[] = [
    ...(methods.totp.length > 0 ? (['totp'] as const) : []),
    ...(methods.recoveryCodesRemaining > 0 ? (['recoveryCode'] as const) : []),
  ];
  // The reset refuses an account without a password (routes.ts), as it refuses an unknown one.
  const passwordSet = user.passwordHash !== null;
  return { required, available, ready: passwordSet && available.length >= required, passwordSet };
}
