import { redeemTemporaryAccessPass } from '../../authentication-methods/temporary-access-pass/passes.ts';
import type { StepInput, StepOutcome } from '../step.ts';
import { submitFirstCredential } from './credential.ts';

/**
 * credentials --temporary_access_pass--> ... (issue 15 item 2): the user's Temporary Access Pass
 * instead of the password. It is a strong credential on its own (policy/mfa-proof.ts `amrOf`):
 * the sign-in goes on to registration, if any, without asking for the password or a second factor.
 * A one-time pass is spent by this check.
 */
export function submitTemporaryAccessPass(input: StepInput): Promise<StepOutcome> {
  const pass = (input.form.temporaryAccessPass ?? '').slice(0, 256);
  return submitFirstCredential(input, 'tap', pass, async (step, user, secret) =>
    user && secret !== ''
      ? redeemTemporaryAccessPass(step.ctx.db, user.tenantId, user.id, secret, step.ctx.clock.now())
      : false,
  );
}
