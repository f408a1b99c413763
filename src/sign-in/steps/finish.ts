import type { User } from '../../directory/users.ts';
import { acrOfProof } from '../../policy/acr.ts';
import { amrOf } from '../../policy/mfa-proof.ts';
import { logAttempt } from '../attempt-log.ts';
import type { StepInput, StepOutcome } from '../step.ts';

/** -> signed_in: the success row of the sign-in log, and the `amr` of what this flow proved. */
export async function finish(input: StepInput, user: User): Promise<StepOutcome> {
  await logAttempt(input, 0, user);
  // RFC 8176: `mfa` exactly when two distinct factor kinds were proven (knowledge + possession).
  const { proven } = input.flow.data;
  return { kind: 'finish', amr: amrOf(proven), acr: acrOfProof(proven) };
}

/** any state --cancel--> cancelled: the relying party gets access_denied. */
export async function cancelSignIn(): Promise<StepOutcome> {
  return { kind: 'cancel' };
}
