import QRCode from 'qrcode';
import { hasMfaMethod, methodsOf } from '../authentication-methods/methods.ts';
import { passwordPolicyProblem } from '../authentication-methods/password-policy.ts';
import { hashPassword, verifyPassword } from '../authentication-methods/passwords.ts';
import {
  addTotpMethod,
  matchingStep,
  newTotpSecret,
  totpFor,
  verifyTotp,
} from '../authentication-methods/totp.ts';
import type { WardenContext } from '../context.ts';
import type { Tenant } from '../directory/tenants.ts';
import {
  findUserByUpn,
  getUser,
  markFirstInteractiveSignIn,
  passwordHashFingerprint,
  replaceTemporaryPassword,
  type User,
} from '../directory/users.ts';
import { type SignInErrorCode, signInErrorMessage } from '../errors/sign-in-errors.ts';
import { amrOf } from '../policy/mfa-proof.ts';
import { decideSignInRequirement, factsFor } from '../policy/sign-in-requirement.ts';
import { stepUpFrom } from '../policy/step-up.ts';
import { PLATFORM_SCOPE, RULES, throttleKeys } from '../security/throttle.ts';
import { type AuthenticationStep, recordSignIn } from '../sign-in-logs/sign-in-log.ts';
import type { Flow, FlowState } from './flow.ts';

/**
 * What a step decided. Steps never assign the flow's state: they say where the flow goes, and the
 * dispatcher (transitions.ts) checks that against the table before it moves the flow there.
 *   show     the page of `state` (the same state again when the step asks to correct something)
 *   finish   the sign-in is complete with these RFC 8176 `amr` values
 *   cancel   the user cancelled (access_denied to the relying party)
 *   locked   too many attempts (AADSTS50053); the flow ends
 *   blocked  the policy refuses this sign-in; the flow ends in the `blocked` state
 */
export type StepOutcome =
  | { kind: 'show'; state: FlowState; codes?: string[] }
  | { kind: 'finish'; amr: string[] }
  | { kind: 'cancel' }
  | { kind: 'locked' }
  | { kind: 'blocked'; code: 50057 | 53003; reason: string };

export interface StepInput {
  ctx: WardenContext;
  tenant: Tenant;
  flow: Flow;
  clientId: string;
  params: Record<string, unknown>;
  ip: string;
  form: Record<string, string>;
}

function step(
  method: AuthenticationStep['authenticationMethod'],
  succeeded: boolean,
  now: number,
  detail?: string,
): AuthenticationStep {
  return {
    authenticationMethod: method,
    succeeded,
    authenticationStepDateTime: new Date(now).toISOString(),
    ...(detail ? { authenticationStepResultDetail: detail } : {}),
  };
}

/** Writes the sign-in log row of this attempt (issue 2 item 10). */
async function logAttempt(
  input: StepInput,
  errorCode: SignInErrorCode,
  user: User | undefined,
  failureReason?: string,
): Promise<void> {
  const { ctx, tenant, flow } = input;
  const requirement = flow.data.requirement;
  await recordSignIn(ctx.db, {
    resourceTenantId: tenant.id,
    homeTenantId: user?.tenantId ?? null,
    userId: user?.id ?? null,
    userPrincipalName: user?.userPrincipalName ?? flow.data.userPrincipalName ?? null,
    appId: input.clientId,
    ipAddress: input.ip,
    clientAppUsed: 'Browser',
    isInteractive: true,
    errorCode,
    ...(failureReason ? { failureReason } : {}),
    authenticationRequirement:
      requirement?.factors === 'multi' ? 'multiFactorAuthentication' : 'singleFactorAuthentication',
    requirementPolicy: requirement?.policy ?? null,
    steps: flow.data.steps,
    correlationId: flow.id,
    createdAt: ctx.clock.now(),
  });
}

async function flowUser(input: StepInput): Promise<User> {
  const user = input.flow.data.userId
    ? await getUser(input.ctx.db, input.tenant.id, input.flow.data.userId)
    : undefined;
  if (!user) throw new Error('sign-in flow has no user');
  return user;
}

/** credentials --password--> ... : checks the password and asks the policy what this sign-in needs. */
export async function submitPassword(input: StepInput): Promise<StepOutcome> {
  const { ctx, tenant, flow, form } = input;
  const now = ctx.clock.now();
  const upn = (form.username ?? '').trim().toLowerCase().slice(0, 320);
  const password = form.password ?? '';
  flow.data.userPrincipalName = upn;
  const accountKey = throttleKeys.account(upn);
  const ipKey = throttleKeys.ip(input.ip);
  // Locks apply to the name typed, existing or not, so a lock does not reveal an account.
  // The attempt is counted before the password is checked (see Throttle.begin).
  const locked =
    (await ctx.throttle.begin(PLATFORM_SCOPE, ipKey, RULES.passwordPerIp, now)) ||
    (await ctx.throttle.begin(tenant.id, accountKey, RULES.passwordPerAccount, now));
  const user = upn ? await findUserByUpn(ctx.db, tenant.id, upn) : undefined;
  if (locked) {
    flow.data.steps = [step('Password', false, now, 'Sign-in was locked after repeated failures')];
    await logAttempt(input, 50053, user);
    return { kind: 'locked' };
  }
  const ok = await verifyPassword(user?.passwordHash ?? null, password);
  if (!ok || !user) {
    flow.data.steps = [step('Password', false, now, 'Invalid username or password')];
    await logAttempt(input, 50126, user);
    flow.data.error = signInErrorMessage(50126);
    return { kind: 'show', state: 'credentials' };
  }
  await ctx.throttle.succeed(tenant.id, accountKey);
  await ctx.throttle.release(PLATFORM_SCOPE, ipKey);
  flow.data.steps = [step('Password', true, now)];

  const firstSignIn = await markFirstInteractiveSignIn(ctx.db, user, now);
  const methods = await methodsOf(ctx.db, tenant.id, user.id);
  const requirement = decideSignInRequirement(
    factsFor(
      tenant,
      { ...user, firstInteractiveSignInAt: firstSignIn },
      {
        hasMfaMethod: hasMfaMethod(methods),
        clientApp: 'browser',
        stepUp: stepUpFrom(input.params),
        risky: false,
        now,
      },
    ),
  );
  flow.data.userId = user.id;
  if (requirement.outcome === 'block') {
    await logAttempt(input, requirement.errorCode, user, requirement.reason);
    return { kind: 'blocked', code: requirement.errorCode, reason: requirement.reason };
  }
  flow.data.requirement = requirement;
  flow.data.proven = ['pwd'];
  // SPEC §9: a temporary password from an admin's reset is replaced before anything else.
  if (user.passwordChangeRequired && user.passwordHash) {
    // What was proven is THIS temporary password: a later reset must not be overridden from here.
    flow.data.temporaryPasswordFingerprint = passwordHashFingerprint(user.passwordHash);
    return { kind: 'show', state: 'change_password' };
  }
  return afterPassword(input, user);
}

/** (after password): what the policy asks once the password is proven — MFA, registration, or nothing. */
async function afterPassword(input: StepInput, user: User): Promise<StepOutcome> {
  const requirement = input.flow.data.requirement;
  if (!requirement) throw new Error('sign-in flow has no requirement');
  // Like Entra, an interrupt is a row of its own: 50079 sent to register, 50074 sent to MFA.
  if (requirement.registration === 'required') {
    await logAttempt(input, 50079, user, requirement.reason);
    return beginRegistration(input);
  }
  if (requirement.factors === 'multi') {
    await logAttempt(input, 50074, user, requirement.reason);
    return { kind: 'show', state: 'second_factor' };
  }
  if (requirement.registration === 'offered') return { kind: 'show', state: 'register_offer' };
  return finish(input, user);
}

/**
 * change_password --change_password--> (after password): the user replaces the temporary password
 * an admin set (SPEC §9). The new one is checked by THE policy and must differ from the temporary
 * one; it is stored and the must-change flag cleared by one conditional UPDATE, which fails if the
 * password was reset again or changed elsewhere since this flow proved it.
 */
export async function submitNewPassword(input: StepInput): Promise<StepOutcome> {
  const { ctx, tenant, flow, form } = input;
  const user = await flowUser(input);
  const next = form.newPassword ?? '';
  if (next !== (form.confirmPassword ?? '')) {
    flow.data.error = 'The two passwords do not match.';
    return { kind: 'show', state: 'change_password' };
  }
  const problem = passwordPolicyProblem(next, user);
  if (problem) {
    flow.data.error = problem;
    return { kind: 'show', state: 'change_password' };
  }
  if (await verifyPassword(user.passwordHash, next)) {
    flow.data.error = 'Choose a password different from the temporary one.';
    return { kind: 'show', state: 'change_password' };
  }
  const proven = flow.data.temporaryPasswordFingerprint;
  const replaced =
    proven !== undefined &&
    (await replaceTemporaryPassword(ctx.db, tenant.id, user.id, proven, await hashPassword(next)));
  flow.data.temporaryPasswordFingerprint = undefined;
  if (!replaced) {
    // The password proven in this flow is no longer the current one: prove the current one again.
    flow.data.userId = undefined;
    flow.data.requirement = undefined;
    flow.data.proven = [];
    flow.data.steps = [];
    flow.data.error = 'Your password was changed or reset meanwhile. Sign in again.';
    return { kind: 'show', state: 'credentials' };
  }
  return afterPassword(input, user);
}

async function finish(input: StepInput, user: User): Promise<StepOutcome> {
  await logAttempt(input, 0, user);
  // RFC 8176: `mfa` exactly when two distinct factor kinds were proven (knowledge + possession).
  return { kind: 'finish', amr: amrOf(input.flow.data.proven) };
}

/** second_factor --totp--> done */
export function submitTotp(input: StepInput): Promise<StepOutcome> {
  return submitSecondFactor(input, 'totp');
}

/** second_factor --recovery_code--> done */
export function submitRecoveryCode(input: StepInput): Promise<StepOutcome> {
  return submitSecondFactor(input, 'recovery_code');
}

async function submitSecondFactor(input: StepInput, kind: 'totp' | 'recovery_code'): Promise<StepOutcome> {
  const { ctx, tenant, flow } = input;
  const now = ctx.clock.now();
  const user = await flowUser(input);
  const key = throttleKeys.secondFactor(user.id);
  const method = kind === 'totp' ? 'Authenticator app code' : 'Recovery code';
  if (await ctx.throttle.begin(tenant.id, key, RULES.secondFactor, now)) {
    flow.data.steps.push(step(method, false, now, 'Second factor locked after repeated wrong codes'));
    await logAttempt(input, 50053, user);
    return { kind: 'locked' };
  }
  const code = (input.form.code ?? '').trim();
  const ok =
    kind === 'totp'
      ? await verifyTotp(ctx.db, ctx.secrets, tenant.id, user.id, code, now)
      : await ctx.recoveryCodes.redeem(ctx.db, tenant.id, user.id, code, now);
  if (!ok) {
    flow.data.steps.push(step(method, false, now, 'Wrong or already used code'));
    await logAttempt(input, 500121, user);
    flow.data.steps.pop();
    flow.data.error = signInErrorMessage(500121);
    return { kind: 'show', state: 'second_factor' };
  }
  await ctx.throttle.succeed(tenant.id, key);
  flow.data.steps.push(step(method, true, now));
  flow.data.proven = [...flow.data.proven, 'otp'];
  return finish(input, user);
}

/** -> register_totp: a new secret, sealed in the flow until the user proves it. */
export async function beginRegistration(input: StepInput): Promise<StepOutcome> {
  input.flow.data.pendingTotpSealed = input.ctx.secrets.seal(
    newTotpSecret(),
    `pending-totp:${input.flow.id}`,
  );
  return { kind: 'show', state: 'register_totp' };
}

/** register_offer --skip--> done (single factor), allowed only inside the 14-day window. */
export async function skipRegistration(input: StepInput): Promise<StepOutcome> {
  const requirement = input.flow.data.requirement;
  if (requirement?.registration !== 'offered' || (requirement.skipUntil ?? 0) <= input.ctx.clock.now()) {
    return beginRegistration(input);
  }
  return finish(input, await flowUser(input));
}

/** register_totp --confirm_totp--> recovery_codes: the first code proves the app; method and codes saved together. */
export async function confirmRegistration(input: StepInput): Promise<StepOutcome> {
  const { ctx, tenant, flow } = input;
  const now = ctx.clock.now();
  const user = await flowUser(input);
  const key = throttleKeys.secondFactor(user.id);
  if (await ctx.throttle.begin(tenant.id, key, RULES.secondFactor, now)) {
    await logAttempt(input, 50053, user);
    return { kind: 'locked' };
  }
  const secret = ctx.secrets.open(flow.data.pendingTotpSealed!, `pending-totp:${flow.id}`);
  const usedStep = matchingStep(secret, (input.form.code ?? '').trim(), now);
  if (usedStep === undefined) {
    flow.data.error = signInErrorMessage(500121);
    return { kind: 'show', state: 'register_totp' };
  }
  await ctx.throttle.succeed(tenant.id, key);
  const codes = await ctx.db.transaction().execute(async (trx) => {
    // Registration is for a user with no method. If one was added since this flow began (another
    // browser), this flow may not add a second one: the user must prove the existing method.
    if (hasMfaMethod(await methodsOf(trx, tenant.id, user.id))) return undefined;
    // The enrolment code's step is recorded as used: it cannot be replayed at the next sign-in.
    await addTotpMethod(trx, ctx.secrets, tenant.id, user.id, secret, now, usedStep);
    return ctx.recoveryCodes.regenerate(trx, tenant.id, user.id, now);
  });
  flow.data.pendingTotpSealed = undefined;
  if (!codes) {
    flow.data.error = 'An authenticator app was registered meanwhile. Enter its code.';
    return { kind: 'show', state: 'second_factor' };
  }
  flow.data.steps.push(step('Authenticator app code', true, now, 'Registered and verified'));
  flow.data.proven = [...flow.data.proven, 'otp'];
  return { kind: 'show', state: 'recovery_codes', codes };
}

/** recovery_codes --continue--> done */
export async function continueAfterCodes(input: StepInput): Promise<StepOutcome> {
  return finish(input, await flowUser(input));
}

/** any state --cancel--> cancelled: the relying party gets access_denied. */
export async function cancelSignIn(): Promise<StepOutcome> {
  return { kind: 'cancel' };
}

/** Data for the enrolment page: the otpauth URI as a QR code and the key for manual entry. */
export async function enrolmentView(input: StepInput): Promise<{ qrDataUrl: string; secret: string }> {
  const secret = input.ctx.secrets.open(input.flow.data.pendingTotpSealed!, `pending-totp:${input.flow.id}`);
  const label = input.flow.data.userPrincipalName ?? 'user';
  const uri = totpFor(secret, label, `Warden (${input.tenant.domain})`).toString();
  return { qrDataUrl: await QRCode.toDataURL(uri, { margin: 1, width: 200 }), secret };
}
