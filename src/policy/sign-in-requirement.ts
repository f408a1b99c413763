import { PRIVILEGED_ROLES } from '../directory/roles.ts';

/**
 * THE place where Warden decides what a sign-in requires (STYLE 2; SPEC §5, §8, R1).
 * Every sign-in path asks this function; its answer, with the policy that asked, is what the
 * sign-in log records. It is pure: callers gather the facts, this decides.
 */

export const REGISTRATION_GRACE_MS = 14 * 24 * 3600 * 1000; // SPEC §5: skip for at most 14 days

/** Client app classes of SPEC §6 (Graph `clientAppUsed` maps onto these). */
export type ClientAppClass = 'browser' | 'mobileAppsAndDesktopClients' | 'legacy';

export interface SignInFacts {
  tenant: { securityDefaults: boolean; requireMfaAllUsers: boolean };
  user: {
    accountEnabled: boolean;
    directoryRoles: readonly string[];
    firstInteractiveSignInAt: number | null;
  };
  hasMfaMethod: boolean;
  clientApp: ClientAppClass;
  /** The relying party asked for MFA: `amr_values=mfa`, an MFA `acr_values`, or `max_age`. */
  stepUp: StepUpRequest | undefined;
  /** Risk of this sign-in (SPEC §9); no detector feeds it yet, so it is `false` today. */
  risky: boolean;
  now: number;
}

export type StepUpRequest = 'amr_values' | 'acr_values' | 'max_age' | 'prompt_login';

/** Names of the policies that can require something; they appear in the sign-in log. */
export type RequirementPolicy =
  | 'securityDefaults'
  | 'securityDefaults:privilegedRole'
  | 'securityDefaults:riskySignIn'
  | 'tenantPolicy:requireMfaAllUsers'
  | `stepUp:${StepUpRequest}`;

export type SignInRequirement =
  | {
      outcome: 'block';
      /** 50057 disabled account; 53003 blocked by policy. */
      errorCode: 50057 | 53003;
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
      reason: string;
    };

/** The facts of a sign-in, read off the directory's tenant and user rows (one place for the mapping). */
export function factsFor(
  tenant: { security_defaults: number; require_mfa_all_users: number },
  user: {
    accountEnabled: boolean;
    directoryRoles: readonly string[];
    firstInteractiveSignInAt: number | null;
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
      firstInteractiveSignInAt: user.firstInteractiveSignInAt,
    },
    ...rest,
  };
}

export function decideSignInRequirement(facts: SignInFacts): SignInRequirement {
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

  const mfaBy = whoRequiresMfa(facts);
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
    // SPEC §5: every user must register; the prompt can be skipped for 14 days from the first sign-in.
    const skipUntil = (facts.user.firstInteractiveSignInAt ?? facts.now) + REGISTRATION_GRACE_MS;
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
  if (facts.tenant.requireMfaAllUsers) {
    return { policy: 'tenantPolicy:requireMfaAllUsers', reason: 'The tenant requires MFA for every user.' };
  }
  if (
    facts.tenant.securityDefaults &&
    facts.user.directoryRoles.some((r) => PRIVILEGED_ROLES.has(r as never))
  ) {
    return {
      policy: 'securityDefaults:privilegedRole',
      reason: 'Security defaults require MFA at every sign-in for administrator roles.',
    };
  }
  if (facts.stepUp) {
    return { policy: `stepUp:${facts.stepUp}`, reason: `The application asked for MFA (${facts.stepUp}).` };
  }
  if (facts.tenant.securityDefaults && facts.risky) {
    return {
      policy: 'securityDefaults:riskySignIn',
      reason: 'Security defaults require MFA for a risky sign-in.',
    };
  }
  return undefined;
}

/** ACR values that name the MFA level: Warden's own and the OpenID PAPE multi-factor policy. */
export const MFA_ACR = 'urn:warden:acr:mfa';
export const MFA_ACR_VALUES: ReadonlySet<string> = new Set([
  MFA_ACR,
  'http://schemas.openid.net/pape/policies/2007/06/multi-factor',
]);

/** Reads a step-up request from authorization request parameters (issue 2 item 6). */
export function stepUpFrom(params: Record<string, unknown>): StepUpRequest | undefined {
  const words = (value: unknown) => (typeof value === 'string' ? value.split(/\s+/).filter(Boolean) : []);
  if (words(params.amr_values).includes('mfa')) return 'amr_values';
  if (words(params.acr_values).some((v) => MFA_ACR_VALUES.has(v))) return 'acr_values';
  if (params.max_age !== undefined && params.max_age !== null && params.max_age !== '') return 'max_age';
  // oidc-provider turns max_age=0 into prompt=login (OIDC Core §3.1.2.1), so a request for fresh
  // authentication is one for full-strength authentication either way.
  if (words(params.prompt).includes('login')) return 'prompt_login';
  return undefined;
}
