import type { User } from '../../directory/users.ts';
import { type SignInErrorCode, signInErrorMessage } from '../../errors/sign-in-errors.ts';
import type { ProvenFactor } from '../../policy/mfa-proof.ts';
import { RULES, throttleKeys } from '../../security/throttle.ts';
import type { AuthenticationStep } from '../../sign-in-logs/sign-in-log.ts';
import { authenticationStep, logAttempt } from '../attempt-log.ts';
import { flowUser, type StepInput, type StepOutcome } from '../step.ts';
import { finish } from './finish.ts';

/** What checking a second factor found: the factor it proved, or why it did not. */
export type FactorResult =
  | { proven: ProvenFactor; detail?: string }
  | { refused: Extract<SignInErrorCode, 500121 | 53003>; detail: string; message: string };

/** Checks the second factor the form carries for `user`; a proof is spent by the check. */
export type FactorCheck = (input: StepInput, user: User, now: number) => Promise<FactorResult>;

/** Checks a code of one possession factor for `user`; true when it proves the factor (and is now used). */
export type CodeCheck = (input: StepInput, user: User, code: string, now: number) => Promise<boolean>;

/** A one-time code (TOTP or recovery code) as a second factor: `otp` when right. */
export function codeFactor(check: CodeCheck): FactorCheck {
  return async (input, user, now) =>
    (await check(input, user, (input.form.code ?? '').trim(), now))
      ? { proven: 'otp' }
      : { refused: 500121, detail: 'Wrong or already used code', message: signInErrorMessage(500121) };
}

/**
 * second_factor --(a factor)--> signed_in: what every second factor shares — one attempt counter
 * per user across all its factors (so switching factor does not reset it), the log row of a
 * refusal, and the factor added to what the flow proved.
 */
export async function proveSecondFactor(
  input: StepInput,
  method: AuthenticationStep['authenticationMethod'],
  check: FactorCheck,
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
  const result = await check(input, user, now);
  if ('refused' in result) {
    // The failed step is in this attempt's row only: the flow goes on, and its final row lists what succeeded.
    flow.data.steps.push(authenticationStep(method, false, now, result.detail));
    await logAttempt(input, result.refused, user);
    flow.data.steps.pop();
    flow.data.error = result.message;
    return { kind: 'show', state: 'second_factor' };
  }
  await ctx.throttle.succeed(user.tenantId, key);
  flow.data.steps.push(authenticationStep(method, true, now, result.detail));
  flow.data.proven = [...flow.data.proven, result.proven];
  return finish(input, user);
}
