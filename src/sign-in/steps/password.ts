import { hasMfaMethod, methodsOf } from '../../authentication-methods/methods.ts';
import { verifyPassword } from '../../authentication-methods/passwords.ts';
import { delegatedAccessOf } from '../../delegated-admin/delegated-access.ts';
import { markInteractiveSignIn, passwordHashFingerprint } from '../../directory/users.ts';
import { signInErrorMessage } from '../../errors/sign-in-errors.ts';
import { signInRiskOf } from '../../identity-protection/sign-in-risk.ts';
import { decideSignInRequirement, factsFor, riskFacts } from '../../policy/sign-in-requirement.ts';
import { stepUpFrom } from '../../policy/step-up.ts';
import { PLATFORM_SCOPE, RULES, throttleKeys } from '../../security/throttle.ts';
import { authenticationStep, logAttempt } from '../attempt-log.ts';
import { homeRealmOf } from '../home-realm.ts';
import type { StepInput, StepOutcome } from '../step.ts';
import { afterPassword } from './after-password.ts';

/** credentials --password--> ... : checks the password and asks the policy what this sign-in needs. */
export async function submitPassword(input: StepInput): Promise<StepOutcome> {
  const { ctx, tenant, flow, form } = input;
  const now = ctx.clock.now();
  const upn = (form.username ?? '').trim().toLowerCase().slice(0, 320);
  const password = form.password ?? '';
  flow.data.userPrincipalName = upn;
  // SPEC E3: home realm by the UPN's domain; a partner user's account lives in its home tenant.
  const realm = await homeRealmOf(ctx.db, tenant, upn);
  const user = realm.user;
  const accountKey = throttleKeys.account(upn);
  const ipKey = throttleKeys.ip(input.ip);
  // Locks apply to the name typed, existing or not, so a lock does not reveal an account; a
  // partner user's attempts count in its home tenant at every authority it tries.
  // The attempt is counted before the password is checked (see Throttle.begin).
  const locked =
    (await ctx.throttle.begin(PLATFORM_SCOPE, ipKey, RULES.passwordPerIp, now)) ||
    (await ctx.throttle.begin(realm.accountTenantId, accountKey, RULES.passwordPerAccount, now));
  if (locked) {
    flow.data.steps = [
      authenticationStep('Password', false, now, 'Sign-in was locked after repeated failures'),
    ];
    await logAttempt(input, 50053, user);
    return { kind: 'locked' };
  }
  const ok = await verifyPassword(user?.passwordHash ?? null, password);
  if (!ok || !user) {
    flow.data.steps = [authenticationStep('Password', false, now, 'Invalid username or password')];
    await logAttempt(input, 50126, user);
    flow.data.error = signInErrorMessage(50126);
    return { kind: 'show', state: 'credentials' };
  }
  await ctx.throttle.succeed(realm.accountTenantId, accountKey);
  await ctx.throttle.release(PLATFORM_SCOPE, ipKey);
  flow.data.steps = [authenticationStep('Password', true, now)];

  // THE requirement (policy/sign-in-requirement.ts), decided once, here; later steps only follow it.
  const windowStart = await markInteractiveSignIn(ctx.db, user, now);
  const methods = await methodsOf(ctx.db, user.tenantId, user.id);
  // SPEC §9: the user's risk, after checking this (right) password against the breached list.
  const userRisk = await signInRiskOf(ctx.db, user, password, { ip: input.ip, now });
  const requirement = decideSignInRequirement(
    factsFor(
      tenant,
      { ...user, registrationWindowStartedAt: windowStart },
      {
        hasMfaMethod: hasMfaMethod(methods),
        clientApp: 'browser',
        stepUp: stepUpFrom(input.params),
        ...riskFacts(userRisk),
        serviceProviderAccess: realm.serviceProvider,
        consentToThirdPartyApplication: input.thirdPartyApplication,
        now,
      },
    ),
  );
  flow.data.userId = user.id;
  if (realm.serviceProvider) flow.data.homeTenantId = user.tenantId;
  if (requirement.outcome === 'block') {
    await logAttempt(input, requirement.errorCode, user, requirement.reason);
    // A risk block tells the user what to do, not what the detector saw (the log keeps the reason).
    const risk = requirement.policy === 'identityProtection:userRisk';
    return {
      kind: 'blocked',
      code: requirement.errorCode,
      reason: risk ? signInErrorMessage(requirement.errorCode) : requirement.reason,
    };
  }
  // SPEC E3: THE cross-tenant decision; no access to this customer now is a refusal, not a password error.
  if (realm.serviceProvider) {
    const access = await delegatedAccessOf(
      ctx.db,
      { homeTenantId: user.tenantId, userId: user.id, customerTenantId: tenant.id },
      now,
    );
    if (!access) {
      const reason = `${user.userPrincipalName} has no delegated administration access to ${tenant.display_name} now.`;
      await logAttempt(input, 50020, user, reason);
      return { kind: 'blocked', code: 50020, reason: signInErrorMessage(50020) };
    }
  }
  flow.data.requirement = requirement;
  flow.data.proven = ['pwd'];
  // SPEC §9: a temporary password from an admin's reset is replaced before anything else.
  if (user.passwordChangeRequired && user.passwordHash) {
    // What was proven is THIS temporary password: a later reset must not be overridden from here.
    flow.data.temporaryPasswordFingerprint = passwordHashFingerprint(user.passwordHash);
    return { kind: 'show', state: 'change_password' };
  }
  return afterPassword(input, user);
}
