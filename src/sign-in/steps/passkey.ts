import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { hasMfaMethod, methodsOf } from '../../authentication-methods/methods.ts';
import {
  type ProvenPasskey,
  verifyPasskeyAssertion,
} from '../../authentication-methods/passkeys/authentication.ts';
import {
  issuePasskeyChallenge,
  takePasskeyChallenge,
} from '../../authentication-methods/passkeys/challenges.ts';
import { PasskeyError } from '../../authentication-methods/passkeys/errors.ts';
import { postedWebAuthnResponse } from '../../authentication-methods/passkeys/posted-response.ts';
import {
  passkeyOwnerOf,
  type RegisteredPasskey,
  registerPasskey,
} from '../../authentication-methods/passkeys/registration.ts';
import { type RelyingParty, relyingPartyOf } from '../../authentication-methods/passkeys/relying-party.ts';
import { passkeySettings } from '../../authentication-methods/passkeys/settings.ts';
import { getUser, lockUserRow } from '../../directory/users.ts';
import { PLATFORM_SCOPE, RULES, throttleKeys } from '../../security/throttle.ts';
import { authenticationStep, logAttempt } from '../attempt-log.ts';
import { flowUser, type StepInput, type StepOutcome } from '../step.ts';
import { afterPassword } from './after-password.ts';
import { decideRequirement } from './credential.ts';
import { type FactorResult, proveSecondFactor } from './second-factor.ts';

const CHALLENGE_USED = 'This passkey request was already used or has expired. Try again.';

/** Whose challenge a sign-in's passkey pages use: the flow's (passkeys/challenges.ts). */
export function flowHolder(input: StepInput): string {
  return `flow:${input.flow.id}`;
}

/** A fresh challenge for the page of the flow about to be shown. */
export function flowChallenge(input: StepInput): Promise<string> {
  return issuePasskeyChallenge(input.ctx.db, input.tenant.id, flowHolder(input), input.ctx.clock.now());
}

/** The WebAuthn Relying Party of this authority (one for Warden's origin). */
export function authorityRelyingParty(input: StepInput): RelyingParty {
  return relyingPartyOf(input.ctx.config, input.tenant.display_name);
}

/** RFC 8176 §2: `hwk` for a key bound to one authenticator, `swk` for a synced passkey. */
function factorOf(passkey: ProvenPasskey | RegisteredPasskey): 'hwk' | 'swk' {
  return passkey.deviceType === 'multiDevice' ? 'swk' : 'hwk';
}

/** Graph authenticationMethodDetail of a FIDO2 step (reference entra-identity §4.1). */
function detailOf(passkey: ProvenPasskey | RegisteredPasskey): string {
  return `${passkey.displayName} - ${passkey.aaguid}`;
}

/**
 * Verifies the posted assertion against the challenge the flow's page offered, taken first so it
 * proves one ceremony only (passkeys/challenges.ts).
 */
async function provePasskey(
  input: StepInput,
  tenantId: string,
  expectedUserId?: string,
): Promise<ProvenPasskey> {
  const { ctx } = input;
  const challenge = await takePasskeyChallenge(ctx.db, input.tenant.id, flowHolder(input), ctx.clock.now());
  const response = postedWebAuthnResponse<AuthenticationResponseJSON>(input.form.credential);
  if (!challenge) throw new PasskeyError('PasskeyChallengeUsed', CHALLENGE_USED, expectedUserId);
  if (!response)
    throw new PasskeyError(
      'PasskeyNotVerified',
      'The passkey could not be verified. Try again.',
      expectedUserId,
    );
  const settings = await passkeySettings(ctx.db, tenantId);
  return verifyPasskeyAssertion(
    ctx.db,
    authorityRelyingParty(input),
    settings,
    tenantId,
    challenge,
    response,
    ctx.clock.now(),
    expectedUserId,
  );
}

/** The sign-in log's code for a refused passkey: a key the tenant's restrictions block is a policy block. */
function refusalCode(error: PasskeyError): 500121 | 53003 {
  return error.code === 'PasskeyAaguidBlocked' ? 53003 : 500121;
}

/**
 * second_factor --passkey--> signed_in (issue 15 item 1): one of the user's own passkeys (of the
 * account's home tenant, SPEC E3), with user verification. Counted on the same per-user counter
 * as the codes.
 */
export function submitPasskeySecondFactor(input: StepInput): Promise<StepOutcome> {
  return proveSecondFactor(input, 'FIDO2 security key', async (step, user): Promise<FactorResult> => {
    try {
      const passkey = await provePasskey(step, user.tenantId, user.id);
      return { proven: factorOf(passkey), detail: detailOf(passkey) };
    } catch (error) {
      if (!(error instanceof PasskeyError)) throw error;
      return { refused: refusalCode(error), detail: error.code, message: error.message };
    }
  });
}

/**
 * credentials --passkey_sign_in--> (after password) (issue 15 item 1): a username-less sign-in with a
 * discoverable passkey of one of this tenant's own users, where the tenant allows it. The passkey
 * is the whole MFA proof (policy/mfa-proof.ts); THE policy then decides as after a password.
 * Refusals count on the source address, as password failures do. A partner's user signs in at a
 * customer's authority with their password and then their passkey as the second factor.
 */
export async function submitPasskeySignIn(input: StepInput): Promise<StepOutcome> {
  const { ctx, tenant, flow } = input;
  const now = ctx.clock.now();
  if (!(await passkeySettings(ctx.db, tenant.id)).passwordless) {
    flow.data.error = 'Signing in with a passkey alone is not turned on here. Sign in with your password.';
    return { kind: 'show', state: 'credentials' };
  }
  // Nobody is named yet: a name typed at an earlier password attempt must not label these rows.
  delete flow.data.userPrincipalName;
  const ipKey = throttleKeys.ip(input.ip);
  if (await ctx.throttle.begin(PLATFORM_SCOPE, ipKey, RULES.passwordPerIp, now)) {
    flow.data.steps = [
      authenticationStep('FIDO2 security key', false, now, 'Sign-in was locked after repeated failures'),
    ];
    await logAttempt(input, 50053, undefined);
    return { kind: 'locked' };
  }
  let passkey: ProvenPasskey;
  try {
    passkey = await provePasskey(input, tenant.id);
  } catch (error) {
    if (!(error instanceof PasskeyError)) throw error;
    const owner = error.userId ? await getUser(ctx.db, tenant.id, error.userId) : undefined;
    flow.data.steps = [authenticationStep('FIDO2 security key', false, now, error.code)];
    await logAttempt(input, refusalCode(error), owner, error.message);
    flow.data.error = error.message;
    return { kind: 'show', state: 'credentials' };
  }
  const user = await getUser(ctx.db, tenant.id, passkey.userId);
  if (!user) throw new Error('passkey without its user');
  await ctx.throttle.release(PLATFORM_SCOPE, ipKey);
  flow.data.userPrincipalName = user.userPrincipalName;
  flow.data.steps = [authenticationStep('FIDO2 security key', true, now, detailOf(passkey))];
  const refused = await decideRequirement(
    input,
    { accountTenantId: tenant.id, user, serviceProvider: false },
    user,
    factorOf(passkey),
    undefined,
  );
  return refused ?? afterPassword(input, user);
}

/**
 * register_method --confirm_passkey--> recovery_codes (issue 15 item 2): the user's first method
 * is a passkey, made by the page's ceremony on the flow's challenge. As with an authenticator app,
 * the method and the recovery codes are saved together under the user's row lock, and only while
 * the user still has no method (another browser may have registered one meanwhile).
 */
export async function confirmPasskeyRegistration(input: StepInput): Promise<StepOutcome> {
  const { ctx, flow } = input;
  const now = ctx.clock.now();
  const user = await flowUser(input);
  const tenantId = user.tenantId; // SPEC E3: a partner user's methods are its home tenant's
  const challenge = await takePasskeyChallenge(ctx.db, input.tenant.id, flowHolder(input), now);
  const response = postedWebAuthnResponse<RegistrationResponseJSON>(input.form.credential);
  if (!challenge || !response) {
    flow.data.error = challenge ? 'The passkey could not be verified. Try again.' : CHALLENGE_USED;
    return { kind: 'show', state: 'register_method' };
  }
  const settings = await passkeySettings(ctx.db, tenantId);
  let saved: { passkey: RegisteredPasskey; codes: string[] } | undefined;
  try {
    saved = await ctx.db.transaction().execute(async (trx) => {
      await lockUserRow(trx, ctx.dbKind, tenantId, user.id);
      if (hasMfaMethod(await methodsOf(trx, tenantId, user.id))) return undefined;
      const passkey = await registerPasskey(
        trx,
        authorityRelyingParty(input),
        passkeyOwnerOf(user),
        settings,
        challenge,
        response,
        now,
      );
      return { passkey, codes: await ctx.recoveryCodes.regenerate(trx, tenantId, user.id, now) };
    });
  } catch (error) {
    if (!(error instanceof PasskeyError)) throw error;
    flow.data.steps.push(authenticationStep('FIDO2 security key', false, now, error.code));
    await logAttempt(input, refusalCode(error), user, error.message);
    flow.data.steps.pop();
    flow.data.error = error.message;
    return { kind: 'show', state: 'register_method' };
  }
  if (!saved) {
    flow.data.error = 'A sign-in method was registered meanwhile. Verify with it.';
    return { kind: 'show', state: 'second_factor' };
  }
  flow.data.pendingTotpSealed = undefined;
  flow.data.steps.push(
    authenticationStep(
      'FIDO2 security key',
      true,
      now,
      `Registered and verified: ${detailOf(saved.passkey)}`,
    ),
  );
  // Made in this sign-in: `hwk`/`swk` in amr, but the strength stays MFA (policy/authentication-strength.ts).
  flow.data.proven = [...flow.data.proven, `${factorOf(saved.passkey)}_enrolled` as const];
  return { kind: 'show', state: 'recovery_codes', codes: saved.codes };
}
