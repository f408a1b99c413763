import type { User } from '../../directory/users.ts';
import { signInErrorMessage } from '../../errors/sign-in-errors.ts';
import { RULES, throttleKeys } from '../../security/throttle.ts';
import type { AuthenticationStep } from '../../sign-in-logs/sign-in-log.ts';
import { authenticationStep, logAttempt } from '../attempt-log.ts';
import { flowUser, type StepInput, type StepOutcome } from '../step.ts';
import { finish } from './finish.ts';

/** Checks a code of one possession factor for `user`; true when it proves the factor (and is now used). */
export type CodeCheck = (input: StepInput, user: User, code: string, now: number) => Promise<boolean>;

/**
 * second_factor --(a code)--> signed_in: what every second factor shares — one attempt counter per
 * user across all its factors (so switching factor does not reset it), the log row of a wrong code,
 * and `otp` added to what the flow proved.
 */
export async function proveSecondFactor(
  input: StepInput,
  method: AuthenticationStep['authenticationMethod'],
  check: CodeCheck,
): Promise<StepOutcome> {
  const { ctx, flow } = input;
  const now = ctx.clock.now();
  const user = await flowUser(input);
  const key = throttleKeys.secondFactor(user.id);
  if (await ctx.throttle.begin(user.tenantId, key, RULES.secondFactor, now)) {
    flow.data.steps.push(
      authenticationStep(method, false, now, 'Second factor locked after repeated wrong codes'),
    );
    await logAttempt(input, 50053, user);
    return { kind: 'locked' };
  }
  const ok = await check(input, user, (input.form.code ?? '').trim(), now);
  if (!ok) {
    // The failed step is in this attempt's row only: the flow goes on, and its final row lists what succeeded.
    flow.data.steps.push(authenticationStep(method, false, now, 'Wrong or already used code'));
    await logAttempt(input, 500121, user);
    flow.data.steps.pop();
    flow.data.error = signInErrorMessage(500121);
    return { kind: 'show', state: 'second_factor' };
  }
  await ctx.throttle.succeed(user.tenantId, key);
  flow.data.steps.push(authenticationStep(method, true, now));
  flow.data.proven = [...flow.data.proven, 'otp'];
  return finish(input, user);
}
