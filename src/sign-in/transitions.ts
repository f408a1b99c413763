import type { FlowState } from './flow.ts';
import type { StepInput, StepOutcome } from './step.ts';
import { submitNewPassword } from './steps/change-password.ts';
import { cancelSignIn } from './steps/finish.ts';
import {
  confirmPasskeyRegistration,
  submitPasskeySecondFactor,
  submitPasskeySignIn,
} from './steps/passkey.ts';
import { submitPassword } from './steps/password.ts';
import { continueAfterCodes, submitRecoveryCode } from './steps/recovery-codes.ts';
import { offeredRegistration, skipRegistration } from './steps/registration-offer.ts';
import { resumeSession, useAnotherAccount } from './steps/session-second-factor.ts';
import { submitTemporaryAccessPass } from './steps/temporary-access-pass.ts';
import { confirmRegistration, submitTotp } from './steps/totp.ts';

/**
 * THE sign-in state machine (STYLE 6): for each state, the actions a posted form may name, the step
 * each runs, and everything that step may lead to. `isAllowed` and `dispatch` both read this table
 * and nothing else, so a new way to sign in (passkeys, federation, AOBO) is a row here and a step.
 *
 *   credentials ──password | temporary_access_pass──▶ change_password (temporary password, SPEC §9) ──change_password──▶ (after password)
 *        │                 └▶ (after password) = second_factor | register_offer | register_method | signed_in
 *        ├─passkey_sign_in (username-less, where the tenant allows it)──▶ (after password)
 *        ├─session_second_factor──▶ second_factor (the session proved the password; only MFA is asked)
 *        │                        └▶ credentials (the whole sign-in) | blocked
 *        └─policy blocks──▶ blocked
 *   second_factor ──totp | passkey | recovery_code──▶ signed_in
 *        └──use_another_account──▶ credentials (the flow starts over)
 *   register_offer ──skip_registration──▶ signed_in (security defaults, ≤ 14 days)
 *        └──begin_registration──▶ register_method ──confirm_passkey | confirm_totp──▶ recovery_codes ──continue──▶ signed_in
 *
 * A Temporary Access Pass (issue 15 item 2) stands in for the password and is itself the MFA
 * proof: it leads to (after password) without change_password or second_factor. So does a
 * passkey (issue 15 item 1): possession and user verification, `hwk`/`swk` with `mfa`. The
 * registration page offers a passkey first and an authenticator app second (most secure first). Under the
 * tenant's TAP setting, a privileged user's registration after the password alone is refused
 * (`blocked`), or, while the offer can still be skipped, the offer says so.
 *
 * Second factor only (issue 15 item 4): when oidc-provider sends a session that proved the
 * password back to login only because MFA is asked now (existing-session.ts), the route runs
 * `session_second_factor` as the flow starts; THE policy decides as after a password, and anything
 * but the second factor (max_age exceeded, prompt=login, another user, registration) is the whole
 * sign-in. Posted by a form, the action checks the same session and changes nothing else.
 *
 * "(after password)" is what the policy asks once the password is proven (MFA, registration or
 * nothing). A step that asks the user to correct something leads back to its own state; a lockout
 * (`locked`) ends the flow from any step that counts attempts; `cancel` ends it from any state
 * that has a cancel button.
 */
export const FLOW_ACTIONS = [
  'password',
  'temporary_access_pass',
  'passkey_sign_in',
  'session_second_factor',
  'change_password',
  'totp',
  'passkey',
  'recovery_code',
  'use_another_account',
  'begin_registration',
  'skip_registration',
  'confirm_passkey',
  'confirm_totp',
  'continue',
  'cancel',
] as const;

export type FlowAction = (typeof FLOW_ACTIONS)[number];

/** The ends of a flow, besides the `blocked` state: the sign-in completed, was cancelled, or locked. */
export const FLOW_ENDS = ['signed_in', 'cancelled', 'locked'] as const;
export type FlowEnd = (typeof FLOW_ENDS)[number];
export type Destination = FlowState | FlowEnd;

export type Step = (input: StepInput) => Promise<StepOutcome>;

export interface Transition {
  readonly run: Step;
  /** Where `run` may lead; `dispatch` refuses (throws on) any other outcome. */
  readonly leadsTo: readonly Destination[];
}

/** What the policy may ask once the password is proven (steps/after-password.ts). */
const AFTER_PASSWORD = [
  'second_factor',
  'register_offer',
  'register_method',
  'signed_in',
  'blocked',
] as const;

const cancel: Transition = { run: cancelSignIn, leadsTo: ['cancelled'] };

export type TransitionTable = { readonly [S in FlowState]: { readonly [A in FlowAction]?: Transition } };

export const TRANSITIONS: TransitionTable = {
  credentials: {
    password: {
      run: submitPassword,
      leadsTo: ['credentials', 'change_password', ...AFTER_PASSWORD, 'locked'],
    },
    temporary_access_pass: {
      run: submitTemporaryAccessPass,
      leadsTo: ['credentials', ...AFTER_PASSWORD, 'locked'],
    },
    passkey_sign_in: { run: submitPasskeySignIn, leadsTo: ['credentials', ...AFTER_PASSWORD, 'locked'] },
    session_second_factor: { run: resumeSession, leadsTo: ['credentials', 'second_factor', 'blocked'] },
    cancel,
  },
  change_password: {
    // Back to credentials when the temporary password was reset or changed meanwhile.
    change_password: {
      run: submitNewPassword,
      leadsTo: ['change_password', 'credentials', ...AFTER_PASSWORD],
    },
    cancel,
  },
  second_factor: {
    totp: { run: submitTotp, leadsTo: ['second_factor', 'signed_in', 'locked'] },
    passkey: { run: submitPasskeySecondFactor, leadsTo: ['second_factor', 'signed_in', 'locked'] },
    recovery_code: { run: submitRecoveryCode, leadsTo: ['second_factor', 'signed_in', 'locked'] },
    use_another_account: { run: useAnotherAccount, leadsTo: ['credentials'] },
    cancel,
  },
  register_offer: {
    begin_registration: {
      run: offeredRegistration,
      leadsTo: ['register_method', 'register_offer', 'blocked'],
    },
    // Past the 14-day window the offer turns into the required registration.
    skip_registration: { run: skipRegistration, leadsTo: ['signed_in', 'register_method', 'blocked'] },
    cancel,
  },
  register_method: {
    // To second_factor when another browser registered a method meanwhile.
    confirm_passkey: {
      run: confirmPasskeyRegistration,
      leadsTo: ['register_method', 'second_factor', 'recovery_codes'],
    },
    confirm_totp: {
      run: confirmRegistration,
      leadsTo: ['register_method', 'second_factor', 'recovery_codes', 'locked'],
    },
    cancel,
  },
  // The codes are shown once: no way back, and nothing to cancel once the method is saved.
  recovery_codes: { continue: { run: continueAfterCodes, leadsTo: ['signed_in'] } },
  blocked: { cancel },
};

/** The flow's error when a form names an action its state does not allow (nothing else changes). */
export const ACTION_REFUSED = 'That step is not available now.';

/** Own keys only: an action named `__proto__` or `toString` is not in the table. */
export function isAllowed(
  state: FlowState,
  action: string,
  table: TransitionTable = TRANSITIONS,
): action is FlowAction {
  return Object.hasOwn(table[state], action);
}

export function destinationOf(outcome: StepOutcome): Destination {
  switch (outcome.kind) {
    case 'show':
      return outcome.state;
    case 'finish':
      return 'signed_in';
    case 'cancel':
      return 'cancelled';
    case 'locked':
      return 'locked';
    case 'blocked':
      return 'blocked';
  }
}

/**
 * Runs the step the table names for `action` in the flow's state and moves the flow where it
 * leads. Returns undefined, having run nothing, when the table does not allow the action.
 * `table` is THE table; a test passes another to prove the guard on destinations.
 */
export async function dispatch(
  input: StepInput,
  action: string,
  table: TransitionTable = TRANSITIONS,
): Promise<StepOutcome | undefined> {
  const { flow } = input;
  const from = flow.state;
  if (!isAllowed(from, action, table)) return undefined;
  const transition = table[from][action]!;
  flow.data.error = undefined;
  const outcome = await transition.run(input);
  const to = destinationOf(outcome);
  // Fail closed: a step that leads somewhere the table does not say is a defect, not a sign-in.
  if (!transition.leadsTo.includes(to))
    throw new Error(`sign-in step ${from} --${action}--> ${to} is not in the table`);
  if (outcome.kind === 'show') flow.state = outcome.state;
  if (outcome.kind === 'blocked') flow.state = 'blocked';
  return outcome;
}
