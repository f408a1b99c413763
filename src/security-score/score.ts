import { tenantEnforcement } from '../compliance/mfa-enforcement.ts';
import type { Tenant } from '../directory/tenants.ts';
import { alertResponse } from '../security-alerts/response-times.ts';
import type { Db } from '../storage/database.ts';
import { getSecurityContact } from './contact.ts';
import { type CustomerMfa, customerMfa } from './customer-insights.ts';
import { latestSnapshot } from './history.ts';
import { mfaSummary, type TenantMfaSummary } from './mfa-summary.ts';
import { graphDateTime, type SecurityRequirement, securityRequirements } from './requirements.ts';

/** Reference §4.2 `partnerSecurityScore`: the score out of 100 and when it was computed. */
export interface PartnerSecurityScore {
  id: string;
  currentScore: number;
  maxScore: number;
  updatedDateTime: string;
  lastRefreshDateTime: string;
}

export interface ScoreReport {
  score: PartnerSecurityScore;
  requirements: SecurityRequirement[];
  /** The partner's own accounts (requirement mfaEnforcedForAdmins). */
  admins: TenantMfaSummary;
  customers: CustomerMfa[];
  compliantRequirementsCount: number;
}

/**
 * The partner's current security score, computed now from Warden's own data on Warden's clock
 * (SPEC §11, reference §4.2): its own accounts and policies, its customers' directories and
 * policies, its security contact and how promptly it resolved its security alerts. The score is
 * the sum of the requirements' scores (weights in requirements.ts). `updatedDateTime` is when it
 * was computed (now); `lastRefreshDateTime` is the last daily snapshot (history.ts), or now.
 */
export async function computeSecurityScore(
  db: Db,
  tenant: Tenant,
  now: number,
  baseUrl: string,
): Promise<ScoreReport> {
  if (tenant.kind !== 'partner') throw new Error('the security score is a partner tenant’s');
  const [accounts, customers, contact, alerts, snapshot] = await Promise.all([
    tenantEnforcement(db, tenant, now),
    customerMfa(db, tenant.id, now),
    getSecurityContact(db, tenant.id),
    alertResponse(db, tenant.id, now),
    latestSnapshot(db, tenant.id),
  ]);
  const admins = mfaSummary(tenant, accounts);
  const requirements = securityRequirements({ baseUrl, now, admins, customers, contact, alerts });
  const currentScore = requirements.reduce((sum, r) => sum + r.score, 0);
  const maxScore = requirements.reduce((sum, r) => sum + r.maxScore, 0);
  return {
    score: {
      id: tenant.id,
      currentScore,
      maxScore,
      updatedDateTime: graphDateTime(now),
      lastRefreshDateTime: graphDateTime(snapshot?.createdAt ?? now),
    },
    requirements,
    admins,
    customers,
    compliantRequirementsCount: requirements.filter((r) => r.complianceStatus === 'compliant').length,
  };
}
