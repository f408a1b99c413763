import { flowUser, type StepInput, type StepOutcome } from '../step.ts';
import { refuseRegistration, TAP_REQUIRED_FOR_REGISTRATION } from './after-password.ts';
import { finish } from './finish.ts';
import { beginRegistration } from './totp.ts';

/**
 * register_offer --skip_registration--> signed_in (single factor), allowed only inside the 14-day
 * window of security defaults (SPEC §5); past it, the offer turns into the required registration.
 */
export async function skipRegistration(input: StepInput): Promise<StepOutcome> {
  const requirement = input.flow.data.requirement;
  if (requirement?.registration !== 'offered' || (requirement.skipUntil ?? 0) <= input.ctx.clock.now()) {
    return offeredRegistration(input);
  }
  return finish(input, await flowUser(input));
}

/**
 * register_offer --begin_registration--> register_method, unless THE policy said this registration
 * needs a Temporary Access Pass (issue 15 item 2): then the offer says so, and skipping (inside the
 * window) stays possible; past the window the interrupt refuses.
 */
export async function offeredRegistration(input: StepInput): Promise<StepOutcome> {
  const requirement = input.flow.data.requirement;
  if (requirement?.registrationNeedsTap) {
    if ((requirement.skipUntil ?? 0) > input.ctx.clock.now()) {
      input.flow.data.error = TAP_REQUIRED_FOR_REGISTRATION;
      return { kind: 'show', state: 'register_offer' };
    }
    return refuseRegistration(input, await flowUser(input));
  }
  return beginRegistration(input);
}
