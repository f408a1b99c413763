import { tenantEnforcement } from '../compliance/mfa-enforcement.ts';
import { insightCustomersOf } from '../delegated-admin/customer-insight-access.ts';
import type { Db } from '../storage/database.ts';
import { mfaSummary, type TenantMfaSummary } from './mfa-summary.ts';

/**
 * Reference §4.2 `customerInsights`: for each of the partner's customers, the MFA of the customer
 * tenant's own accounts, read from the customer's directory and policies through the same policy
 * function as the partner's own (requirement `mfaEnforcedForAdminsOfCustomers`). Which customers
 * a partner may see is decided in the cross-tenant module (delegated-admin/customer-insight-access.ts).
 */
export interface CustomerMfa {
  tenantId: string;
  companyName: string;
  mfa: TenantMfaSummary;
}

/** At most this many customers are judged per partner (in company-name order). */
export const MAX_CUSTOMERS = 500;

export async function customerMfa(db: Db, partnerTenantId: string, now: number): Promise<CustomerMfa[]> {
  const customers = await insightCustomersOf(db, partnerTenantId, MAX_CUSTOMERS);
  const out: CustomerMfa[] = [];
  // One customer at a time: a partner with many customers must not take every database connection.
  for (const { tenant, companyName } of customers) {
    const accounts = await tenantEnforcement(db, tenant, now);
    out.push({ tenantId: tenant.id, companyName, mfa: mfaSummary(tenant, accounts) });
  }
  return out;
}

/** Graph's `customerInsight {tenantId, mfa: customerMfaInsight}` (reference §4.2). */
export function customerInsightEntity(c: CustomerMfa) {
  return {
    tenantId: c.tenantId,
    mfa: {
      compliantAdminsCount: c.mfa.mfaEnabledAdminsCount,
      compliantNonAdminsCount: c.mfa.compliantNonAdminsCount,
      totalUsersCount: c.mfa.totalUsersCount,
      securityDefaultsStatus: c.mfa.securityDefaultsStatus,
      mfaConditionalAccessPolicyStatus: c.mfa.mfaConditionalAccessPolicyStatus,
      legacyPerUserMfaStatus: c.mfa.legacyPerUserMfaStatus,
    },
  };
}
