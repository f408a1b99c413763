import type { User } from '../directory/users.ts';
import type { SignInErrorCode } from '../errors/sign-in-errors.ts';
import { strengthOfProof } from '../policy/authentication-strength.ts';
import { requestedResource } from '../sign-in-logs/resource-names.ts';
import { type AuthenticationStep, recordSignIn } from '../sign-in-logs/sign-in-log.ts';
import type { StepInput } from './step.ts';

/** One entry of the sign-in log's authenticationDetails (Graph signIn resource). */
export function authenticationStep(
  method: AuthenticationStep['authenticationMethod'],
  succeeded: boolean,
  now: number,
  detail?: string,
): AuthenticationStep {
  return {
    authenticationMethod: method,
    succeeded,
    authenticationStepDateTime: new Date(now).toISOString(),
    ...(detail ? { authenticationStepResultDetail: detail } : {}),
  };
}

/**
 * Writes the sign-in log row of this attempt (issue 2 item 10): the flow's steps so far, the
 * requirement the policy decided and the policy that asked, under the flow's id as correlation id.
 */
export async function logAttempt(
  input: StepInput,
  errorCode: SignInErrorCode,
  user: User | undefined,
  failureReason?: string,
): Promise<void> {
  const { ctx, tenant, flow } = input;
  const requirement = flow.data.requirement;
  await recordSignIn(ctx.db, {
    resourceTenantId: tenant.id,
    homeTenantId: user?.tenantId ?? null,
    userId: user?.id ?? null,
    userPrincipalName: user?.userPrincipalName ?? flow.data.userPrincipalName ?? null,
    appId: input.clientId,
    ipAddress: input.ip,
    clientAppUsed: 'Browser',
    isInteractive: true,
    errorCode,
    ...(failureReason ? { failureReason } : {}),
    authenticationRequirement:
      requirement?.factors === 'multi' ? 'multiFactorAuthentication' : 'singleFactorAuthentication',
    requirementPolicy: requirement?.policy ?? null,
    steps: flow.data.steps,
    correlationId: flow.id,
    resourceId: requestedResource(input.params),
    userAgent: input.userAgent,
    // Graph status.additionalDetails of a success that needed MFA: where the proof came from.
    ...(errorCode === 0 && requirement?.factors === 'multi'
      ? {
          additionalDetails: flow.data.proven.includes('tap')
            ? 'MFA requirement satisfied by a Temporary Access Pass in this sign-in'
            : flow.data.proven.some((factor) => factor !== 'pwd' && factor !== 'otp')
              ? 'MFA requirement satisfied by a passkey in this sign-in'
              : 'MFA requirement satisfied by a second factor in this sign-in',
        }
      : {}),
    // Issue 15 item 6: the user's risk when the requirement was decided (absent before that).
    ...(flow.data.risk ? { risk: flow.data.risk } : {}),
    authenticationStrength: errorCode === 0 ? strengthOfProof(flow.data.proven) : null,
    createdAt: ctx.clock.now(),
  });
  ctx.metrics?.signIn(errorCode, true);
}
