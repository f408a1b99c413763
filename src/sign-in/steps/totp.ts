import QRCode from 'qrcode';
import { hasMfaMethod, methodsOf } from '../../authentication-methods/methods.ts';
import {
  addTotpMethod,
  matchingStep,
  newTotpSecret,
  totpFor,
  verifyTotp,
} from '../../authentication-methods/totp.ts';
import { lockUserRow } from '../../directory/users.ts';
import { signInErrorMessage } from '../../errors/sign-in-errors.ts';
import { RULES, throttleKeys } from '../../security/throttle.ts';
import { authenticationStep, logAttempt } from '../attempt-log.ts';
import { flowUser, type StepInput, type StepOutcome } from '../step.ts';
import { codeFactor, proveSecondFactor } from './second-factor.ts';

/** second_factor --totp--> signed_in: a code of the user's authenticator app (RFC 6238). */
export function submitTotp(input: StepInput): Promise<StepOutcome> {
  return proveSecondFactor(
    input,
    'Authenticator app code',
    codeFactor((step, user, code, now) =>
      verifyTotp(step.ctx.db, step.ctx.secrets, user.tenantId, user.id, code, now),
    ),
  );
}

/** The secret being enrolled is sealed to this flow: it opens for no other. */
function pendingContext(input: StepInput): string {
  return `pending-totp:${input.flow.id}`;
}

/** -> register_method: a new secret, sealed in the flow until the user proves it. */
export async function beginRegistration(input: StepInput): Promise<StepOutcome> {
  input.flow.data.pendingTotpSealed = input.ctx.secrets.seal(newTotpSecret(), pendingContext(input));
  return { kind: 'show', state: 'register_method' };
}

/** register_method --confirm_totp--> recovery_codes: the first code proves the app; method and codes saved together. */
export async function confirmRegistration(input: StepInput): Promise<StepOutcome> {
  const { ctx, flow } = input;
  const now = ctx.clock.now();
  const user = await flowUser(input);
  // The account's own tenant (SPEC E3: a partner user's methods are its home tenant's).
  const tenantId = user.tenantId;
  const key = throttleKeys.secondFactor(user.id);
  if (await ctx.throttle.begin(tenantId, key, RULES.secondFactor, now)) {
    await logAttempt(input, 50053, user);
    return { kind: 'locked' };
  }
  const secret = ctx.secrets.open(flow.data.pendingTotpSealed!, pendingContext(input));
  const usedStep = matchingStep(secret, (input.form.code ?? '').trim(), now);
  if (usedStep === undefined) {
    flow.data.error = signInErrorMessage(500121);
    return { kind: 'show', state: 'register_method' };
  }
  await ctx.throttle.succeed(tenantId, key);
  const codes = await ctx.db.transaction().execute(async (trx) => {
    await lockUserRow(trx, ctx.dbKind, tenantId, user.id); // two browsers confirming at once: one wins
    // Registration is for a user with no method. If one was added since this flow began (another
    // browser), this flow may not add a second one: the user must prove the existing method.
    if (hasMfaMethod(await methodsOf(trx, tenantId, user.id))) return undefined;
    // The enrolment code's step is recorded as used: it cannot be replayed at the next sign-in.
    await addTotpMethod(trx, ctx.secrets, tenantId, user.id, secret, now, usedStep);
    return ctx.recoveryCodes.regenerate(trx, tenantId, user.id, now);
  });
  flow.data.pendingTotpSealed = undefined;
  if (!codes) {
    flow.data.error = 'An authenticator app was registered meanwhile. Enter its code.';
    return { kind: 'show', state: 'second_factor' };
  }
  flow.data.steps.push(authenticationStep('Authenticator app code', true, now, 'Registered and verified'));
  flow.data.proven = [...flow.data.proven, 'otp'];
  return { kind: 'show', state: 'recovery_codes', codes };
}

/** Data for the enrolment page: the otpauth URI as a QR code and the key for manual entry. */
export async function enrolmentView(input: StepInput): Promise<{ qrDataUrl: string; secret: string }> {
  const secret = input.ctx.secrets.open(input.flow.data.pendingTotpSealed!, pendingContext(input));
  const label = input.flow.data.userPrincipalName ?? 'user';
  // A partner user registers its home account (SPEC E3): the app names the home domain.
  const domain = input.flow.data.homeTenantId ? label.slice(label.lastIndexOf('@') + 1) : input.tenant.domain;
  const uri = totpFor(secret, label, `Warden (${domain})`).toString();
  return { qrDataUrl: await QRCode.toDataURL(uri, { margin: 1, width: 200 }), secret };
}
