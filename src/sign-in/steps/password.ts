import { verifyPassword } from '../../authentication-methods/passwords.ts';
import type { StepInput, StepOutcome } from '../step.ts';
import { submitFirstCredential } from './credential.ts';

/** credentials --password--> ... : checks the password and asks the policy what this sign-in needs. */
export function submitPassword(input: StepInput): Promise<StepOutcome> {
  return submitFirstCredential(input, 'pwd', input.form.password ?? '', (_step, user, password) =>
    verifyPassword(user?.passwordHash ?? null, password),
  );
}
