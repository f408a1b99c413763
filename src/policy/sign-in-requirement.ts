import { holdsAnyOf, SECURITY_DEFAULTS_MFA_ROLES } from '../directory/role-sets.ts';
import type { StepUpRequest } from './step-up.ts';

export type { StepUpRequest } from './step-up.ts';

/**
 * THE place where Warden decides what a sign-in requires (STYLE 2; SPEC §5, §8, R1).
 * Every sign-in path asks this function; its answer, with the policy that asked, is what the
 * sign-in log records. It is pure: callers gather the facts, this decides.
 */

export type UserRiskLevel = 'none' | 'low' | 'medium' | 'high';

/** The risk facts of a sign-in from the user's active risk level (identity-protection/risk-state.ts). */
export function riskFacts(level: UserRiskLevel): { risky: boolean; userRisk: UserRiskLevel } {
  return { risky: level === 'low' || level === 'medium', userRisk: level };
}

export const REGISTRATION_GRACE_MS = 14 * 24 * 3600 * 1000; // SPEC §5: skip for at most 14 days

/** Client app classes of SPEC §6 (Graph `clientAppUsed` maps onto these). */
export type ClientAppClass = 'browser' | 'mobileAppsAndDesktopClients' | 'legacy';

export interface SignInFacts {
  tenant: { securityDefaults: boolean; requireMfaAllUsers: boolean };
  user: {
    accountEnabled: boolean;
    directoryRoles: readonly string[];
    /** SPEC §5: the first interactive sign-in since security defaults were turned on (null: this one). */
    registrationWindowStartedAt: number | null;
  };
  hasMfaMethod: boolean;
  clientApp: ClientAppClass;
  /** The relying party asked for full-strength authentication (step-up.ts). */
  stepUp: StepUpRequest | undefined;
  /**
   * SPEC §9: the sign-in is risky — the user is at low or medium risk (a password-spray detection,
   * src/identity-protection/). Security defaults then ask for MFA. `riskFacts` sets it from the level.
   */
  risky: boolean;
  /**
   * SPEC §9, reference entra-identity §6.1: the user's current risk (ID Protection's riskyUser,
   * active states only). High (leaked credentials, confirmed compromised) blocks the sign-in until
   * an administrator resets the password to a temporary one or dismisses the risk. Absent: none.
   */
  userRisk?: UserRiskLevel;
  /**
   * SPEC E3: a partner's user signing in at a customer's authority through GDAP or DAP
   * (admin-on-behalf-of). Absent or false for a tenant's own users.
   */
  serviceProviderAccess?: boolean;
  /**
   * SPEC §10: the sign-in is to a multi-tenant application published by another tenant that is
   * not the operator (a third party), so the user will be asked for consent — and that consent
   * always needs MFA. Absent or false for the tenant's own and the operator's applications.
   */
  consentToThirdPartyApplication?: boolean;
  /**
   * Issue 15 item 2: what decides whether a FIRST MFA registration may happen in this sign-in.
   * `tenantRequiresTap`: the tenant's setting (authentication-methods/temporary-access-pass/
   * registration-setting.ts); `partnerAgent`: the user is a member of a partner agent group;
   * `temporaryAccessPass`: this sign-in proved a Temporary Access Pass. Absent: the setting is off.
   */
  firstRegistration?: {
    tenantRequiresTap: boolean;
    partnerAgent: boolean;
    temporaryAccessPass: boolean;
    /** The user holds roles in a customer's tenant through a group with an active GDAP assignment. */
    delegatedAdmin?: boolean;
    /**
     * The account was activated by an onboarding link (warden init, tenants create, activation
     * link): its first registration needs the pass the activation gave, whatever the setting.
     */
    activatedByLink?: boolean;
    /**
     * The user has passkeys, none of which the tenant's key restrictions let sign in now: not a
     * first registration, so the password alone must not replace them (a pass is needed).
     */
    onlyBlockedMethods?: boolean;
  };
  now: number;
}

/** Names of the policies that can require something; they appear in the sign-in log. */
export type RequirementPolicy =
  // Entra's requirementProvider for the MFA it always demands of CSP admins in customer tenants.
  | 'enforcedForCspAdmins'
  // SPEC §10: "The consent itself always requires MFA" — consent to a third-party application.
  | 'consent:thirdPartyApplication'
  | 'securityDefaults'
  | 'securityDefaults:privilegedRole'
  | 'securityDefaults:riskySignIn'
  // SPEC §9: ID Protection's user risk (high blocks; a risky user may not register a first method).
  | 'identityProtection:userRisk'
  | 'tenantPolicy:requireMfaAllUsers'
  | `stepUp:${StepUpRequest}`;

export type SignInRequirement =
  | {
      outcome: 'block';
      /**
       * 50057 disabled account; 53003 blocked by policy; 50135 high user risk (password change
       * required due to account risk); 53004 a risky user asked to register a first MFA method
       * (ProofUpBlockedDueToRisk: whoever holds a leaked password must not register their own).
       */
      errorCode: 50057 | 53003 | 50135 | 53004;
      policy: RequirementPolicy | null;
      reason: string;
    }
  | {
      outcome: 'allow';
      factors: 'single' | 'multi';
      /** The policy that required MFA (or offered registration), null when nothing did. */
      policy: RequirementPolicy | null;
      /** none: nothing to register; offered: may skip until `skipUntil`; required: must register now. */
      registration: 'none' | 'offered' | 'required';
      skipUntil?: number;
      /**
       * Issue 15 item 2: present (true) when the registration asked for may not happen in this
       * sign-in: the password alone does not entitle a privileged user to register a first method.
       */
      registrationNeedsTap?: true;
      reason: string;
    };

/** The facts of a sign-in, read off the directory's tenant and user rows (one place for the mapping). */
export function factsFor(
  tenant: {
    security_defaults: number;
    require_mfa_all_users: number;
    security_defaults_enabled_at?: number | null;
  },
  user: {
    accountEnabled: boolean;
    directoryRoles: readonly string[];
    registrationWindowStartedAt: number | null;
  },
  rest: Omit<SignInFacts, 'tenant' | 'user'>,
): SignInFacts {
  return {
    tenant: {
      securityDefaults: tenant.security_defaults === 1,
      requireMfaAllUsers: tenant.require_mfa_all_users === 1,
    },
    user: {
      accountEnabled: user.accountEnabled,
      directoryRoles: user.directoryRoles,
      // A user who has not signed in interactively since security defaults were turned on (a
      // refresh-token chain, a reused session) is counted from when they were turned on: the
      // window runs whether or not the user comes back to the sign-in page.
      registrationWindowStartedAt:
        user.registrationWindowStartedAt ?? tenant.security_defaults_enabled_at ?? null,
    },
    ...rest,
  };
}

export function decideSignInRequirement(facts: SignInFacts): SignInRequirement {
  const decision = decideWithoutRegistrationGuard(facts);
  if (decision.outcome === 'allow' && decision.registration !== 'none' && firstRegistrationNeedsTap(facts)) {
    return { ...decision, registrationNeedsTap: true };
  }
  return decision;
}

/**
 * Issue 15 item 2: under the tenant's setting, a privileged user (a role security defaults
 * protect, a partner agent group member, a user holding GDAP roles in customers, or any sign-in
 * for service-provider access: SPEC E3, §13) registers a first method only in a sign-in that
 * proved a Temporary Access Pass; the password alone could be an attacker's. An account activated
 * by an onboarding link always does (it was given a pass with its activation), and so does one
 * whose only methods are passkeys the tenant now blocks (its MFA must not fall back to a password).
 */
function firstRegistrationNeedsTap(facts: SignInFacts): boolean {
  const guard = facts.firstRegistration;
  if (!guard || guard.temporaryAccessPass || facts.hasMfaMethod) return false;
  if (guard.activatedByLink || guard.onlyBlockedMethods) return true;
  if (!guard.tenantRequiresTap) return false;
  return (
    guard.partnerAgent ||
    guard.delegatedAdmin === true ||
    facts.serviceProviderAccess === true ||
    holdsAnyOf(facts.user.directoryRoles, SECURITY_DEFAULTS_MFA_ROLES)
  );
}

function decideWithoutRegistrationGuard(facts: SignInFacts): SignInRequirement {
  if (!facts.user.accountEnabled) {
    return { outcome: 'block', errorCode: 50057, policy: null, reason: 'The account is disabled.' };
  }
  const { securityDefaults } = facts.tenant;
  if (securityDefaults && facts.clientApp === 'legacy') {
    return {
      outcome: 'block',
      errorCode: 53003,
      policy: 'securityDefaults',
      reason: 'Security defaults block legacy authentication protocols.',
    };
  }

  // SPEC §9 (reference §6.2, §6.4): a user at high risk is blocked, whatever else applies, until
  // an administrator remediates (reset to a temporary password) or dismisses the risk.
  if (facts.userRisk === 'high') {
    return {
      outcome: 'block',
      errorCode: 50135,
      policy: 'identityProtection:userRisk',
      reason:
        'The account is at high risk (leaked credentials or confirmed compromised): an administrator must reset the password or dismiss the risk.',
    };
  }

  const mfaBy = whoRequiresMfa(facts);
  if (mfaBy && !facts.hasMfaMethod && atRisk(facts)) {
    // Reference §6.2 (AADSTS53004): a user at risk cannot prove up a first method — the person
    // holding the password may be the attacker.
    return {
      outcome: 'block',
      errorCode: 53004,
      policy: 'identityProtection:userRisk',
      reason:
        'The account is at risk and has no verification method: registering one now is refused; an administrator must dismiss the risk.',
    };
  }
  if (mfaBy) {
    return {
      outcome: 'allow',
      factors: 'multi',
      policy: mfaBy.policy,
      registration: facts.hasMfaMethod ? 'none' : 'required',
      reason: mfaBy.reason,
    };
  }

  if (securityDefaults && !facts.hasMfaMethod) {
    // SPEC §5: every user must register; the prompt can be skipped for 14 days from the first sign-in
    // since security defaults were turned on.
    const skipUntil = (facts.user.registrationWindowStartedAt ?? facts.now) + REGISTRATION_GRACE_MS;
    const canSkip = facts.now < skipUntil;
    return {
      outcome: 'allow',
      factors: 'single',
      policy: 'securityDefaults',
      registration: canSkip ? 'offered' : 'required',
      ...(canSkip ? { skipUntil } : {}),
      reason: canSkip
        ? 'Security defaults ask every user to register for MFA; the prompt can be skipped for 14 days.'
        : 'The 14-day registration window of security defaults is over; sign-in needs MFA registration.',
    };
  }
  return {
    outcome: 'allow',
    factors: 'single',
    policy: null,
    registration: 'none',
    reason: 'No policy requires MFA.',
  };
}

function whoRequiresMfa(facts: SignInFacts): { policy: RequirementPolicy; reason: string } | undefined {
  // SPEC E3: whatever the customer's or the partner's own policy says; no exception covers it.
  if (facts.serviceProviderAccess) {
    return {
      policy: 'enforcedForCspAdmins',
      reason: 'A partner user signing in to a customer tenant always needs MFA.',
    };
  }
  // SPEC §10 (reference §3): consent to a third-party application, whatever the tenant's policy.
  if (facts.consentToThirdPartyApplication) {
    return {
      policy: 'consent:thirdPartyApplication',
      reason: 'Consent to an application published by another organisation always needs MFA.',
    };
  }
  if (facts.tenant.requireMfaAllUsers) {
    return { policy: 'tenantPolicy:requireMfaAllUsers', reason: 'The tenant requires MFA for every user.' };
  }
  if (facts.tenant.securityDefaults && holdsAnyOf(facts.user.directoryRoles, SECURITY_DEFAULTS_MFA_ROLES)) {
    return {
      policy: 'securityDefaults:privilegedRole',
      reason: 'Security defaults require MFA at every sign-in for administrator roles.',
    };
  }
  if (facts.stepUp) {
    return { policy: `stepUp:${facts.stepUp}`, reason: `The application asked for MFA (${facts.stepUp}).` };
  }
  if (facts.tenant.securityDefaults && atRisk(facts)) {
    return {
      policy: 'securityDefaults:riskySignIn',
      reason: 'Security defaults require MFA for a risky sign-in.',
    };
  }
  return undefined;
}

function atRisk(facts: SignInFacts): boolean {
  return facts.risky || (facts.userRisk !== undefined && facts.userRisk !== 'none');
}

/*
 * The questions other parts ask of the decision. Each is named, answered by
 * decideSignInRequirement itself, and has a row in the policy table test.
 */

/**
 * Whether a session or refresh-token chain proven without MFA may no longer be used: the sign-in
 * it stands for would now be blocked, need MFA, or need registration (a policy changed, an admin
 * role was granted, the 14-day registration window ended).
 */
export function singleFactorProofRefused(facts: SignInFacts): boolean {
  const decision = decideSignInRequirement(facts);
  return decision.outcome === 'block' || decision.factors === 'multi' || decision.registration === 'required';
}

/**
 * Whether policy makes an MFA method mandatory for the user: with no method at all, would the
 * sign-in ask them to register? (Removing the last method is then refused.)
 */
export function mfaMethodMandatory(facts: SignInFacts): boolean {
  const decision = decideSignInRequirement({
    ...facts,
    user: { ...facts.user, accountEnabled: true },
    hasMfaMethod: false,
  });
  return decision.outcome === 'allow' && decision.registration !== 'none';
}
