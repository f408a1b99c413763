import type { WardenContext } from '../context.ts';
import type { Tenant } from '../directory/tenants.ts';
import type { User } from '../directory/users.ts';
import { hasMfaProof } from '../policy/mfa-proof.ts';
import { factsFor, mfaMethodMandatory } from '../policy/sign-in-requirement.ts';
import { inTransaction } from '../storage/database.ts';
import { hasMfaMethod, methodsOf } from './methods.ts';
import { addTotpMethod, matchingStep } from './totp.ts';

/** Issue 2 item 7: changing methods needs an MFA proof at most this old. */
export const FRESH_MFA_MS = 10 * 60 * 1000;

export type MethodChangeErrorCode =
  | 'FreshMfaRequired'
  | 'LastMethodMandated'
  | 'MethodNotFound'
  | 'InvalidCode'
  | 'InvalidDisplayName'
  | 'LastPhishingResistantMethod';

export class MethodChangeError extends Error {
  readonly code: MethodChangeErrorCode;
  constructor(code: MethodChangeErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** The session's proof: its amr and when it signed in (OIDC `auth_time`, in ms). */
export interface SessionProof {
  amr: readonly string[];
  authTime: number;
}

export function requireFreshMfa(proof: SessionProof, now: number): void {
  if (!hasMfaProof(proof.amr) || now - proof.authTime > FRESH_MFA_MS) {
    throw new MethodChangeError(
      'FreshMfaRequired',
      'Sign in again with MFA (within the last 10 minutes) to change your methods.',
    );
  }
}

/** Whether policy makes an MFA method mandatory for this user (the policy's own question). */
export function isMfaMandated(tenant: Tenant, user: User, now: number): boolean {
  return mfaMethodMandatory(
    factsFor(tenant, user, {
      hasMfaMethod: false,
      clientApp: 'browser',
      stepUp: undefined,
      // What policy mandates in the calm state; a user's current risk (SPEC §9) does not make a
      // method mandatory, it blocks or asks for MFA at the sign-in itself.
      risky: false,
      now,
    }),
  );
}

/** Adds an authenticator app, proven by its first code, for a session with fresh MFA. */
export async function addAuthenticatorApp(
  ctx: WardenContext,
  user: User,
  proof: SessionProof,
  secret: string,
  code: string,
): Promise<string> {
  const now = ctx.clock.now();
  requireFreshMfa(proof, now);
  const step = matchingStep(secret, code, now);
  if (step === undefined)
    throw new MethodChangeError('InvalidCode', 'The code does not match this authenticator app.');
  return addTotpMethod(ctx.db, ctx.secrets, user.tenantId, user.id, secret, now, step);
}

/** Removes a method; refuses to remove the last one while policy mandates MFA for the user. */
export async function removeAuthenticatorApp(
  ctx: WardenContext,
  tenant: Tenant,
  user: User,
  proof: SessionProof,
  methodId: string,
): Promise<void> {
  const now = ctx.clock.now();
  requireFreshMfa(proof, now);
  await inTransaction(ctx.db, async (trx) => {
    const methods = await methodsOf(trx, tenant.id, user.id);
    if (!methods.totp.some((m) => m.id === methodId))
      throw new MethodChangeError('MethodNotFound', 'No such method.');
    const remaining = { ...methods, totp: methods.totp.filter((m) => m.id !== methodId) };
    if (!hasMfaMethod(remaining) && isMfaMandated(tenant, user, now)) {
      throw new MethodChangeError(
        'LastMethodMandated',
        'This is your last method and your organisation requires MFA.',
      );
    }
    await trx
      .deleteFrom('auth_methods')
      .where('tenant_id', '=', tenant.id)
      .where('id', '=', methodId)
      .execute();
  });
}
