import { hasMfaMethod, methodsOf } from '../../authentication-methods/methods.ts';
import { firstRegistrationRequiresTap } from '../../authentication-methods/temporary-access-pass/registration-setting.ts';
import { delegatedAccessOf, holdsDelegatedAdminRoles } from '../../delegated-admin/delegated-access.ts';
import { agentGroupsOf } from '../../directory/groups.ts';
import { markInteractiveSignIn, passwordHashFingerprint, type User } from '../../directory/users.ts';
import { signInErrorMessage } from '../../errors/sign-in-errors.ts';
import { userRiskSnapshot } from '../../identity-protection/risk-state.ts';
import { signInRiskOf } from '../../identity-protection/sign-in-risk.ts';
import { decideSignInRequirement, factsFor, riskFacts } from '../../policy/sign-in-requirement.ts';
import { stepUpFrom } from '../../policy/step-up.ts';
import { PLATFORM_SCOPE, RULES, throttleKeys } from '../../security/throttle.ts';
import type { AuthenticationStep } from '../../sign-in-logs/sign-in-log.ts';
import { authenticationStep, logAttempt } from '../attempt-log.ts';
import { type HomeRealm, homeRealmOf } from '../home-realm.ts';
import type { StepInput, StepOutcome } from '../step.ts';
import { afterPassword } from './after-password.ts';

/** The first credential of a sign-in: the password, or a Temporary Access Pass instead of it. */
export type FirstCredential = 'pwd' | 'tap';

const METHOD: Record<FirstCredential, AuthenticationStep['authenticationMethod']> = {
  pwd: 'Password',
  tap: 'Temporary Access Pass',
};

/** Checks the secret typed for `user` (existing or not: a miss must cost the same). */
export type CredentialCheck = (input: StepInput, user: User | undefined, secret: string) => Promise<boolean>;

/**
 * credentials --password | temporary_access_pass--> ... : what both first credentials share. The
 * name typed and the source address are throttled alike (a TAP is guessed like a password: the
 * same counters, so switching between them buys no attempts), then the credential is checked and
 * THE policy asked what this sign-in needs.
 */
export async function submitFirstCredential(
  input: StepInput,
  credential: FirstCredential,
  secret: string,
  check: CredentialCheck,
): Promise<StepOutcome> {
  const { ctx, tenant, flow, form } = input;
  const now = ctx.clock.now();
  const upn = (form.username ?? '').trim().toLowerCase().slice(0, 320);
  flow.data.userPrincipalName = upn;
  // SPEC E3: home realm by the UPN's domain; a partner user's account lives in its home tenant.
  const realm = await homeRealmOf(ctx.db, tenant, upn);
  const user = realm.user;
  const accountKey = throttleKeys.account(upn);
  const ipKey = throttleKeys.ip(input.ip);
  const method = METHOD[credential];
  // Locks apply to the name typed, existing or not, so a lock does not reveal an account; a
  // partner user's attempts count in its home tenant at every authority it tries.
  // The attempt is counted before the credential is checked (see Throttle.begin).
  const locked =
    (await ctx.throttle.begin(PLATFORM_SCOPE, ipKey, RULES.passwordPerIp, now)) ||
    (await ctx.throttle.begin(realm.accountTenantId, accountKey, RULES.passwordPerAccount, now));
  if (locked) {
    flow.data.steps = [authenticationStep(method, false, now, 'Sign-in was locked after repeated failures')];
    await logAttempt(input, 50053, user);
    return { kind: 'locked' };
  }
  const ok = await check(input, user, secret);
  if (!ok || !user) {
    const detail =
      credential === 'pwd'
        ? 'Invalid username or password'
        : 'Invalid, expired or used Temporary Access Pass';
    flow.data.steps = [authenticationStep(method, false, now, detail)];
    await logAttempt(input, 50126, user);
    flow.data.error = signInErrorMessage(50126);
    return { kind: 'show', state: 'credentials' };
  }
  await ctx.throttle.succeed(realm.accountTenantId, accountKey);
  await ctx.throttle.release(PLATFORM_SCOPE, ipKey);
  flow.data.steps = [authenticationStep(method, true, now)];
  const refused = await decideRequirement(input, realm, user, credential, secret);
  if (refused) return refused;
  // SPEC §9: a temporary password from an admin's reset is replaced before anything else. A TAP
  // sign-in does not know the password, so it cannot replace it (reference §3.4).
  if (credential === 'pwd' && user.passwordChangeRequired && user.passwordHash) {
    // What was proven is THIS temporary password: a later reset must not be overridden from here.
    flow.data.temporaryPasswordFingerprint = passwordHashFingerprint(user.passwordHash);
    return { kind: 'show', state: 'change_password' };
  }
  return afterPassword(input, user);
}

/**
 * THE requirement (policy/sign-in-requirement.ts), decided once per flow, here; later steps only
 * follow it. Returns the refusal when the policy (or SPEC E3's delegated access) blocks the
 * sign-in; otherwise the flow holds the requirement and `credential` as what was proven (a
 * password, a Temporary Access Pass, or a passkey of a username-less sign-in: `hwk`/`swk`).
 * `secret` is the password typed in this flow; without it (the password was proven earlier in the
 * authority's session, steps/session-second-factor.ts) only the user's standing risk applies.
 */
export async function decideRequirement(
  input: StepInput,
  realm: HomeRealm,
  user: User,
  credential: FirstCredential | 'hwk' | 'swk',
  secret: string | undefined,
): Promise<Extract<StepOutcome, { kind: 'blocked' }> | undefined> {
  const { ctx, tenant, flow } = input;
  const now = ctx.clock.now();
  const windowStart = await markInteractiveSignIn(ctx.db, user, now);
  // SPEC §9: the user's risk; a right password is first checked against the breached list (a TAP
  // is Warden's own random secret: only the user's standing risk applies). The same reading is
  // what the policy decides on and what the sign-in log records (issue 15 item 6).
  const risk =
    credential === 'pwd' && secret !== undefined
      ? await signInRiskOf(ctx.db, user, secret, { ip: input.ip, now })
      : await userRiskSnapshot(ctx.db, user.tenantId, user.id);
  flow.data.risk = risk;
  const [methods, requiresTap, agentGroups, delegatedAdmin] = await Promise.all([
    methodsOf(ctx.db, user.tenantId, user.id),
    firstRegistrationRequiresTap(ctx.db, user.tenantId),
    agentGroupsOf(ctx.db, user.tenantId, user.id),
    holdsDelegatedAdminRoles(ctx.db, { homeTenantId: user.tenantId, userId: user.id }, now),
  ]);
  const requirement = decideSignInRequirement(
    factsFor(
      tenant,
      { ...user, registrationWindowStartedAt: windowStart },
      {
        hasMfaMethod: hasMfaMethod(methods),
        clientApp: 'browser',
        stepUp: stepUpFrom(input.params),
        ...riskFacts(risk.level),
        serviceProviderAccess: realm.serviceProvider,
        consentToThirdPartyApplication: input.thirdPartyApplication,
        // The account's own tenant decides (SPEC E3: a partner user registers in its home tenant).
        firstRegistration: {
          tenantRequiresTap: requiresTap,
          partnerAgent: agentGroups.length > 0,
          delegatedAdmin,
          temporaryAccessPass: credential === 'tap',
          activatedByLink: user.firstRegistrationRequiresTap,
          onlyBlockedMethods: methods.passkeys.length > 0 && !hasMfaMethod(methods),
        },
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
  flow.data.proven = [credential];
  return undefined;
}
