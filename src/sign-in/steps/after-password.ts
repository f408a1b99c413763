import type { User } from '../../directory/users.ts';
import { logAttempt } from '../attempt-log.ts';
import type { StepInput, StepOutcome } from '../step.ts';
import { finish } from './finish.ts';
import { beginRegistration } from './totp.ts';

/**
 * (after password): what the policy decided at the password step asks once the password is proven
 * — registration, MFA, the registration offer, or nothing (transitions.ts AFTER_PASSWORD).
 */
export async function afterPassword(input: StepInput, user: User): Promise<StepOutcome> {
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
