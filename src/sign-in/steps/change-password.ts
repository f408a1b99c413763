import { passwordPolicyProblem } from '../../authentication-methods/password-policy.ts';
import { hashPassword, verifyPassword } from '../../authentication-methods/passwords.ts';
import { replaceTemporaryPassword } from '../../directory/users.ts';
import { breachedPasswordProblem } from '../../identity-protection/breached-passwords.ts';
import { flowUser, type StepInput, type StepOutcome } from '../step.ts';
import { afterPassword } from './after-password.ts';

/**
 * change_password --change_password--> (after password): the user replaces the temporary password
 * an admin set (SPEC §9). The new one is checked by THE policy and must differ from the temporary
 * one; it is stored and the must-change flag cleared by one conditional UPDATE, which fails if the
 * password was reset again or changed elsewhere since this flow proved it.
 */
export async function submitNewPassword(input: StepInput): Promise<StepOutcome> {
  const { ctx, flow, form } = input;
  const user = await flowUser(input);
  const next = form.newPassword ?? '';
  if (next !== (form.confirmPassword ?? '')) {
    flow.data.error = 'The two passwords do not match.';
    return { kind: 'show', state: 'change_password' };
  }
  // THE policy, then SPEC §9's breached-password list.
  const problem = passwordPolicyProblem(next, user) ?? (await breachedPasswordProblem(ctx.db, next));
  if (problem) {
    flow.data.error = problem;
    return { kind: 'show', state: 'change_password' };
  }
  if (await verifyPassword(user.passwordHash, next)) {
    flow.data.error = 'Choose a password different from the temporary one.';
    return { kind: 'show', state: 'change_password' };
  }
  const proven = flow.data.temporaryPasswordFingerprint;
  const replaced =
    proven !== undefined &&
    (await replaceTemporaryPassword(
      ctx.db,
      user.tenantId,
      user.id,
      proven,
      await hashPassword(next),
      ctx.clock.now(),
    ));
  flow.data.temporaryPasswordFingerprint = undefined;
  if (!replaced) {
    // The password proven in this flow is no longer the current one: prove the current one again.
    flow.data.userId = undefined;
    flow.data.homeTenantId = undefined;
    flow.data.requirement = undefined;
    flow.data.proven = [];
    flow.data.steps = [];
    flow.data.error = 'Your password was changed or reset meanwhile. Sign in again.';
    return { kind: 'show', state: 'credentials' };
  }
  return afterPassword(input, user);
}
