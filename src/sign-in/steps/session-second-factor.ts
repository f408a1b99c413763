import { getUser } from '../../directory/users.ts';
import { authenticationStep } from '../attempt-log.ts';
import type { StepInput, StepOutcome } from '../step.ts';
import { afterPassword } from './after-password.ts';
import { decideRequirement } from './credential.ts';

/** The sign-in log's word for a factor proven earlier in the same session (Entra's "Previously satisfied"). */
export const PREVIOUSLY_SATISFIED = 'Previously satisfied in this session';

/**
 * credentials --session_second_factor--> second_factor (issue 15 item 4): the authority's session
 * (existing-session.ts) already proved this user's password, and only MFA is asked now, so the
 * password is not asked again. THE policy decides as at a password sign-in, with the session's
 * password as the first credential; a block is a block (disabled, at risk: never stepped up).
 * Anything but "MFA with a method the user has" — registration, a temporary password to replace,
 * a `login_hint` naming someone else — is the whole sign-in: the flow stays at credentials, as new.
 */
export async function resumeSession(input: StepInput): Promise<StepOutcome> {
  const { ctx, tenant, flow, session } = input;
  const whole: StepOutcome = { kind: 'show', state: 'credentials' };
  if (!session || flow.data.userId) return whole;
  const user = await getUser(ctx.db, tenant.id, session.accountId);
  if (!user) return whole;
  const hint =
    typeof input.params.login_hint === 'string' ? input.params.login_hint.trim().toLowerCase() : '';
  if (hint && hint !== user.userPrincipalName.toLowerCase()) return whole;
  flow.data.userPrincipalName = user.userPrincipalName;
  flow.data.steps = [authenticationStep('Password', true, session.authTime * 1000, PREVIOUSLY_SATISFIED)];
  const refused = await decideRequirement(
    input,
    { accountTenantId: tenant.id, user, serviceProvider: false },
    user,
    'pwd',
    undefined,
  );
  if (refused) return refused;
  const requirement = flow.data.requirement!;
  if (
    requirement.factors !== 'multi' ||
    requirement.registration === 'required' ||
    user.passwordChangeRequired
  ) {
    flow.data = { csrf: flow.data.csrf, proven: [], steps: [] };
    return whole;
  }
  // OIDC Core §2: the factor is new, the authentication event is the session's (docs/authentication-methods.md).
  flow.data.authTime = session.authTime;
  return afterPassword(input, user);
}

/**
 * second_factor --use_another_account--> credentials: the page names an account (the session's,
 * or the one whose password was typed) that is not the person at the browser. The flow starts
 * over as new; counters of wrong codes and passwords are the throttle's and stay as they are.
 */
export async function useAnotherAccount(input: StepInput): Promise<StepOutcome> {
  input.flow.data = { csrf: input.flow.data.csrf, proven: [], steps: [] };
  return { kind: 'show', state: 'credentials' };
}
