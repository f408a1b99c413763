import type { AccountEnforcement } from '../compliance/mfa-enforcement.ts';
import type { Tenant } from '../directory/tenants.ts';

export type PolicyStatus = 'enabled' | 'disabled';

/**
 * One tenant's MFA as the score judges it (reference §4.2 `adminsMfaEnforcedSecurityRequirement`,
 * `customerMfaInsight`). An enabled account counts as *using MFA* when THE policy function enforces
 * MFA on its sign-ins (`enforced`, src/compliance/mfa-enforcement.ts) and it has a method
 * registered; an administrator still inside the 14-day registration window, or under security
 * defaults' risk-only prompt, does not. Disabled accounts are left out (SPEC §11 A).
 */
export interface TenantMfaSummary {
  totalUsersCount: number;
  mfaEnabledUsersCount: number;
  usersRequiredNotUsingMfaCount: number;
  totalAdminsCount: number;
  mfaEnabledAdminsCount: number;
  adminsRequiredNotUsingMfaCount: number;
  compliantNonAdminsCount: number;
  securityDefaultsStatus: PolicyStatus;
  /** Warden's tenant policy "require MFA for all users" stands for Entra's MFA conditional access policy. */
  mfaConditionalAccessPolicyStatus: PolicyStatus;
  /** Warden has no per-user (legacy) MFA: always disabled. */
  legacyPerUserMfaStatus: PolicyStatus;
  /** The enabled administrators not using MFA, for the dashboard to name. */
  adminsWithoutMfa: { userId: string; userPrincipalName: string; reason: string }[];
}

export function usesMfa(account: AccountEnforcement): boolean {
  return account.enforced && account.mfaRegistered;
}

export function mfaSummary(
  tenant: Pick<Tenant, 'security_defaults' | 'require_mfa_all_users'>,
  accounts: readonly AccountEnforcement[],
): TenantMfaSummary {
  const enabled = accounts.filter((a) => a.accountEnabled);
  const admins = enabled.filter((a) => a.isAdmin);
  const mfaUsers = enabled.filter(usesMfa).length;
  const mfaAdmins = admins.filter(usesMfa).length;
  return {
    totalUsersCount: enabled.length,
    mfaEnabledUsersCount: mfaUsers,
    usersRequiredNotUsingMfaCount: enabled.length - mfaUsers,
    totalAdminsCount: admins.length,
    mfaEnabledAdminsCount: mfaAdmins,
    adminsRequiredNotUsingMfaCount: admins.length - mfaAdmins,
    compliantNonAdminsCount: mfaUsers - mfaAdmins,
    securityDefaultsStatus: tenant.security_defaults === 1 ? 'enabled' : 'disabled',
    mfaConditionalAccessPolicyStatus: tenant.require_mfa_all_users === 1 ? 'enabled' : 'disabled',
    legacyPerUserMfaStatus: 'disabled',
    adminsWithoutMfa: admins
      .filter((a) => !usesMfa(a))
      .map((a) => ({
        userId: a.userId,
        userPrincipalName: a.userPrincipalName,
        reason: a.enforced ? 'noMethodRegistered' : (a.reason ?? 'noPolicy'),
      })),
  };
}

/** A tenant meets the requirement when every enabled administrator uses MFA (none: nothing is missing). */
export function adminsCompliant(summary: TenantMfaSummary): boolean {
  return summary.adminsRequiredNotUsingMfaCount === 0;
}
