import type { WardenContext } from '../context.ts';
import type { Tenant } from '../directory/tenants.ts';
import { getUser, lockUserRow, type User } from '../directory/users.ts';
import { hasMfaProof } from '../policy/mfa-proof.ts';
import { factsFor, mfaMethodMandatory } from '../policy/sign-in-requirement.ts';
import { type Db, inTransaction } from '../storage/database.ts';
import { hasMfaMethod, hasPhishingResistantMethod, type MethodSummary, methodsOf } from './methods.ts';
import { addTotpMethod, hasTotpSecret, matchingStep } from './totp.ts';

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
  alongside?: (trx: Db, methodId: string) => Promise<void>,
): Promise<string> {
  const now = ctx.clock.now();
  requireFreshMfa(proof, now);
  const step = matchingStep(secret, code, now);
  if (step === undefined)
    throw new MethodChangeError('InvalidCode', 'The code does not match this authenticator app.');
  return inTransaction(ctx.db, async (trx) => {
    await lockUserRow(trx, ctx.dbKind, user.tenantId, user.id);
    await requireUnchangedAccount(trx, user);
    // One setup adds one app: a second copy of the same secret would keep its own used-step record,
    // so one observed code could be accepted once per copy (RFC 6238 §5.2 replay).
    if (await hasTotpSecret(trx, ctx.secrets, user.tenantId, user.id, secret))
      throw new MethodChangeError('InvalidCode', 'This authenticator app is already registered.');
    const id = await addTotpMethod(trx, ctx.secrets, user.tenantId, user.id, secret, now, step);
    await alongside?.(trx, id);
    return id;
  });
}

/**
 * Under the user's row lock, before a method is added: the account is still enabled and its
 * password the one the session proved. An administrator's reset, re-registration or disable that
 * committed meanwhile wins, and the add is refused (sign in again) instead of landing after it.
 */
export async function requireUnchangedAccount(trx: Db, user: User): Promise<void> {
  const current = await getUser(trx, user.tenantId, user.id);
  if (!current?.accountEnabled || current.passwordHash !== user.passwordHash)
    throw new MethodChangeError('FreshMfaRequired', 'The account changed meanwhile: sign in again.');
}

/**
 * The MFA methods one can remove, by their Graph kind: an authenticator app (table `auth_methods`,
 * Graph `softwareOathAuthenticationMethod`) or a passkey (`passkey_credentials`, Graph
 * `fido2AuthenticationMethod`).
 */
export type MfaMethodKind = 'softwareOath' | 'fido2';

export interface MfaMethodRef {
  kind: MfaMethodKind;
  id: string;
}

/** What was removed, for the caller's audit record. */
export interface RemovedMethod extends MfaMethodRef {
  displayName: string;
}

function find(methods: MethodSummary, method: MfaMethodRef): RemovedMethod | undefined {
  const list = method.kind === 'softwareOath' ? methods.totp : methods.passkeys;
  const found = list.find((m) => m.id === method.id);
  return found && { kind: method.kind, id: found.id, displayName: found.displayName };
}

function without(methods: MethodSummary, method: MfaMethodRef): MethodSummary {
  return method.kind === 'softwareOath'
    ? { ...methods, totp: methods.totp.filter((m) => m.id !== method.id) }
    : { ...methods, passkeys: methods.passkeys.filter((m) => m.id !== method.id) };
}

/**
 * THE removal of one MFA method of a user, for every caller (the user's own Security info, an
 * administrator through Graph): it refuses to remove the last one while policy mandates MFA for
 * the user (`LastMethodMandated`). The count and the delete run in one transaction that first
 * holds the user's row (lockUserRow), so two removals of a user's last two methods at once run
 * one after the other and the second sees the one left (issue 15 item 9). `alongside` writes in
 * the same transaction (the audit record). Who may remove is the caller's to decide first.
 * With `confirmLastPhishingResistant` (the user's own Security info), the last passkey — the
 * user's last phishing-resistant method (reference §2.2) — goes only once the user confirmed it
 * (`LastPhishingResistantMethod` otherwise).
 */
export async function removeMfaMethod(
  ctx: WardenContext,
  tenant: Tenant,
  user: User,
  method: MfaMethodRef,
  alongside?: (trx: Db, removed: RemovedMethod) => Promise<void>,
  options: { confirmLastPhishingResistant?: { confirmed: boolean } } = {},
): Promise<RemovedMethod> {
  const now = ctx.clock.now();
  return inTransaction(ctx.db, async (trx) => {
    await lockUserRow(trx, ctx.dbKind, tenant.id, user.id);
    const methods = await methodsOf(trx, tenant.id, user.id);
    const removed = find(methods, method);
    if (!removed) throw new MethodChangeError('MethodNotFound', 'No such method.');
    const left = without(methods, method);
    if (!hasMfaMethod(left) && isMfaMandated(tenant, user, now)) {
      throw new MethodChangeError(
        'LastMethodMandated',
        'This is the last MFA method of the user and policy requires MFA of them: register another method first.',
      );
    }
    const ask = options.confirmLastPhishingResistant;
    if (ask && !ask.confirmed && method.kind === 'fido2' && !hasPhishingResistantMethod(left)) {
      throw new MethodChangeError(
        'LastPhishingResistantMethod',
        'This is your last passkey: without it you can no longer sign in in a way that resists phishing.',
      );
    }
    await trx
      .deleteFrom(method.kind === 'softwareOath' ? 'auth_methods' : 'passkey_credentials')
      .where('tenant_id', '=', tenant.id)
      .where('user_id', '=', user.id)
      .where('id', '=', method.id)
      .execute();
    await alongside?.(trx, removed);
    return removed;
  });
}

/**
 * The user's own removal of one of their methods: a fresh MFA, then THE rule of removeMfaMethod;
 * the last passkey only once `lastPasskeyConfirmed` (the page warned and the user confirmed).
 */
export async function removeOwnMethod(
  ctx: WardenContext,
  tenant: Tenant,
  user: User,
  proof: SessionProof,
  method: MfaMethodRef,
  lastPasskeyConfirmed = false,
  alongside?: (trx: Db, removed: RemovedMethod) => Promise<void>,
): Promise<RemovedMethod> {
  requireFreshMfa(proof, ctx.clock.now());
  return removeMfaMethod(ctx, tenant, user, method, alongside, {
    confirmLastPhishingResistant: { confirmed: lastPasskeyConfirmed },
  });
}

/** Removes one of the user's authenticator apps (removeOwnMethod for `softwareOath`). */
export async function removeAuthenticatorApp(
  ctx: WardenContext,
  tenant: Tenant,
  user: User,
  proof: SessionProof,
  methodId: string,
): Promise<void> {
  await removeOwnMethod(ctx, tenant, user, proof, { kind: 'softwareOath', id: methodId });
}
