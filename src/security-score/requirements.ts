import type { AlertResponse } from '../security-alerts/response-times.ts';
import type { SecurityContact } from './contact.ts';
import type { CustomerMfa } from './customer-insights.ts';
import { adminsCompliant, type TenantMfaSummary } from './mfa-summary.ts';

/** Graph's dateTimeOffset as its other resources here write it: UTC, whole seconds. */
export function graphDateTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The requirements of the security score (reference §4.2, docs/security-score.md) and their
 * weights, which sum to 100. MFA for the partner's own administrators weighs most: it is the
 * requirement every other one leans on (SPEC §2). `spendingBudgetSetForCustomerAzureSubscriptions`
 * is not offered: Warden sells no Azure consumption to budget.
 */
export const REQUIREMENT_WEIGHTS = {
  mfaEnforcedForAdmins: 40,
  mfaEnforcedForAdminsOfCustomers: 30,
  securityAlertsPromptlyResolved: 20,
  securityContactProvided: 10,
} as const;

export type RequirementType = keyof typeof REQUIREMENT_WEIGHTS;
export const REQUIREMENT_TYPES = Object.keys(REQUIREMENT_WEIGHTS) as RequirementType[];

/** Where a partner fixes each requirement (dashboard pages) and reads about it (docs). */
const ACTION_PATHS: Record<RequirementType, string> = {
  mfaEnforcedForAdmins: '/dashboard/security/requirements#admins',
  mfaEnforcedForAdminsOfCustomers: '/dashboard/security/requirements#customers',
  securityAlertsPromptlyResolved: '/dashboard/security/alerts',
  securityContactProvided: '/dashboard/security/requirements#contact',
};

/** The reference's spelling of the open status is `noncomplaint` (sic); samples show `nonCompliant`. */
export type ComplianceStatus = 'compliant' | 'nonCompliant';

export interface RequirementBase {
  id: RequirementType;
  requirementType: RequirementType;
  complianceStatus: ComplianceStatus;
  score: number;
  maxScore: number;
  state: 'active';
  actionUrl: string;
  helpUrl: string;
  updatedDateTime: string;
}

export interface AdminsRequirement extends RequirementBase {
  '@odata.type': '#microsoft.graph.partner.security.adminsMfaEnforcedSecurityRequirement';
  totalAdminsCount: number;
  adminsRequiredNotUsingMfaCount: number;
  mfaEnabledAdminsCount: number;
  totalUsersCount: number;
  usersRequiredNotUsingMfaCount: number;
  mfaEnabledUsersCount: number;
  securityDefaultsStatus: TenantMfaSummary['securityDefaultsStatus'];
  mfaConditionalAccessPolicyStatus: TenantMfaSummary['mfaConditionalAccessPolicyStatus'];
  legacyPerUserMfaStatus: TenantMfaSummary['legacyPerUserMfaStatus'];
}

export interface CustomersRequirement extends RequirementBase {
  '@odata.type': '#microsoft.graph.partner.security.customersMfaEnforcedSecurityRequirement';
  totalTenantCount: number;
  compliantTenantCount: number;
}

export type SecurityRequirement = AdminsRequirement | CustomersRequirement | RequirementBase;

/** What the requirements are computed from, all read on Warden's clock at `now`. */
export interface RequirementInputs {
  baseUrl: string;
  now: number;
  admins: TenantMfaSummary;
  customers: readonly CustomerMfa[];
  contact: SecurityContact | undefined;
  alerts: AlertResponse;
}

/**
 * Partial credit: a requirement measured as a share (admins, customers, alerts) earns that share of
 * its weight, rounded down, so only a fully met requirement earns all of it; the contact is on
 * file or not. `compliant` means full marks.
 */
function share(
  type: RequirementType,
  met: number,
  of: number,
): { score: number; complianceStatus: ComplianceStatus } {
  const max = REQUIREMENT_WEIGHTS[type];
  const score = of === 0 ? max : Math.floor((max * met) / of);
  return { score, complianceStatus: score === max && met === of ? 'compliant' : 'nonCompliant' };
}

function base(
  inputs: RequirementInputs,
  type: RequirementType,
  judged: { score: number; complianceStatus: ComplianceStatus },
  updatedAt = inputs.now,
): RequirementBase {
  return {
    id: type,
    requirementType: type,
    complianceStatus: judged.complianceStatus,
    score: judged.score,
    maxScore: REQUIREMENT_WEIGHTS[type],
    state: 'active',
    actionUrl: `${inputs.baseUrl}${ACTION_PATHS[type]}`,
    helpUrl: `docs/security-score.md#${type.toLowerCase()}`,
    updatedDateTime: graphDateTime(updatedAt),
  };
}

export function securityRequirements(inputs: RequirementInputs): SecurityRequirement[] {
  const { admins, customers, contact, alerts } = inputs;
  const a = admins;
  const adminsJudged = share('mfaEnforcedForAdmins', a.mfaEnabledAdminsCount, a.totalAdminsCount);
  const compliantCustomers = customers.filter((c) => adminsCompliant(c.mfa)).length;
  // An alert counts as met once resolved within 24 h of detection; an open one counts against the
  // requirement until it is resolved (in time: the requirement is met again; late: it stays missed
  // for the 30 days the alert is looked at).
  const alertsJudged = share('securityAlertsPromptlyResolved', alerts.resolvedWithin24h, alerts.total);
  return [
    {
      '@odata.type': '#microsoft.graph.partner.security.adminsMfaEnforcedSecurityRequirement',
      ...base(inputs, 'mfaEnforcedForAdmins', adminsJudged),
      totalAdminsCount: a.totalAdminsCount,
      adminsRequiredNotUsingMfaCount: a.adminsRequiredNotUsingMfaCount,
      mfaEnabledAdminsCount: a.mfaEnabledAdminsCount,
      totalUsersCount: a.totalUsersCount,
      usersRequiredNotUsingMfaCount: a.usersRequiredNotUsingMfaCount,
      mfaEnabledUsersCount: a.mfaEnabledUsersCount,
      securityDefaultsStatus: a.securityDefaultsStatus,
      mfaConditionalAccessPolicyStatus: a.mfaConditionalAccessPolicyStatus,
      legacyPerUserMfaStatus: a.legacyPerUserMfaStatus,
    },
    {
      '@odata.type': '#microsoft.graph.partner.security.customersMfaEnforcedSecurityRequirement',
      ...base(
        inputs,
        'mfaEnforcedForAdminsOfCustomers',
        share('mfaEnforcedForAdminsOfCustomers', compliantCustomers, customers.length),
      ),
      totalTenantCount: customers.length,
      compliantTenantCount: compliantCustomers,
    },
    base(inputs, 'securityAlertsPromptlyResolved', alertsJudged),
    base(
      inputs,
      'securityContactProvided',
      contact
        ? { score: REQUIREMENT_WEIGHTS.securityContactProvided, complianceStatus: 'compliant' }
        : { score: 0, complianceStatus: 'nonCompliant' },
      contact?.updatedAt ?? inputs.now,
    ),
  ];
}
