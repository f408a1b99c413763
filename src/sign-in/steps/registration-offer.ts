import { flowUser, type StepInput, type StepOutcome } from '../step.ts';
import { finish } from './finish.ts';
import { beginRegistration } from './totp.ts';

/**
 * register_offer --skip_registration--> signed_in (single factor), allowed only inside the 14-day
 * window of security defaults (SPEC §5); past it, the offer turns into the required registration.
 */
export async function skipRegistration(input: StepInput): Promise<StepOutcome> {
  const requirement = input.flow.data.requirement;
  if (requirement?.registration !== 'offered' || (requirement.skipUntil ?? 0) <= input.ctx.clock.now()) {
    return beginRegistration(input);
  }
  return finish(input, await flowUser(input));
}
