import { flowUser, type StepInput, type StepOutcome } from '../step.ts';
import { finish } from './finish.ts';
import { codeFactor, proveSecondFactor } from './second-factor.ts';

/** second_factor --recovery_code--> signed_in: a recovery code stands in for the authenticator, once. */
export function submitRecoveryCode(input: StepInput): Promise<StepOutcome> {
  return proveSecondFactor(
    input,
    'Recovery code',
    codeFactor((step, user, code, now) =>
      step.ctx.recoveryCodes.redeem(step.ctx.db, user.tenantId, user.id, code, now),
    ),
  );
}

/** recovery_codes --continue--> signed_in: the codes were shown once with the registration. */
export async function continueAfterCodes(input: StepInput): Promise<StepOutcome> {
  return finish(input, await flowUser(input));
}
