import type { User } from '../../directory/users.ts';
import { provesMfa } from '../../policy/mfa-proof.ts';
import { logAttempt } from '../attempt-log.ts';
import type { StepInput, StepOutcome } from '../step.ts';
import { finish } from './finish.ts';
import { beginRegistration } from './totp.ts';

/** Issue 15 item 2: what the registration interrupt says when the password alone may not register. */
export const TAP_REQUIRED_FOR_REGISTRATION =
  'Your organization requires a Temporary Access Pass for the first registration of an administrator’s sign-in method. Ask an administrator for one, then sign in with it instead of your password.';

/**
 * (after password): what the policy decided at the first credential asks once it is proven —
 * registration, MFA, the registration offer, or nothing (transitions.ts AFTER_PASSWORD). A
 * Temporary Access Pass or a passkey is itself the strong proof, so it is never asked for a second
 * factor.
 */
export async function afterPassword(input: StepInput, user: User): Promise<StepOutcome> {
  const requirement = input.flow.data.requirement;
  if (!requirement) throw new Error('sign-in flow has no requirement');
  // Like Entra, an interrupt is a row of its own: 50079 sent to register, 50074 sent to MFA.
  if (requirement.registration === 'required') {
    if (requirement.registrationNeedsTap) return refuseRegistration(input, user);
    await logAttempt(input, 50079, user, requirement.reason);
    return beginRegistration(input);
  }
  if (requirement.factors === 'multi' && !provesMfa(input.flow.data.proven)) {
    await logAttempt(input, 50074, user, requirement.reason);
    return { kind: 'show', state: 'second_factor' };
  }
  if (requirement.registration === 'offered') return { kind: 'show', state: 'register_offer' };
  return finish(input, user);
}

/**
 * The registration interrupt refuses (issue 15 item 2): THE policy said this registration needs a
 * Temporary Access Pass in this sign-in, and the user proved only the password.
 */
export async function refuseRegistration(input: StepInput, user: User): Promise<StepOutcome> {
  await logAttempt(input, 53003, user, TAP_REQUIRED_FOR_REGISTRATION);
  return { kind: 'blocked', code: 53003, reason: TAP_REQUIRED_FOR_REGISTRATION };
}
