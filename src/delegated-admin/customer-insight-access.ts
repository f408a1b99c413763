import type { Tenant } from '../directory/tenants.ts';
import type { Db } from '../storage/database.ts';

/** A customer tenant whose MFA insight a partner may see, with the company name it knows it by. */
export interface InsightCustomer {
  tenant: Tenant;
  companyName: string;
}

/**
 * THE decision of which customers' MFA insight a partner sees (reference §4.2 `customerInsights`,
 * requirement `mfaEnforcedForAdminsOfCustomers`; SPEC §11). Judging it reads each customer
 * tenant's directory and policies on the partner's behalf: a cross-tenant read, decided here beside
 * THE decision of cross-tenant access (delegated-access.ts).
 *
 * A partner sees a customer's insight when the partner is a partner tenant and the customers table
 * links them: the row is the partner's own (`customers.tenant_id`), and the tenant the row names
 * (`customers.customer_tenant_id`, matched to `tenants.id`) exists and is a customer tenant — never
 * another partner, the operator, or the partner itself, whatever a row says.
 *
 * Neither GDAP nor DAP is needed, as at Microsoft: its `customerInsights` list every customer of
 * the partner whatever delegated access the partner holds there, because the requirement is
 * measured over all of them (a partner without GDAP in a customer is still answerable for that
 * customer's administrators' MFA). The insight is the customer's MFA configuration and counts;
 * its administrators' names are a further step (mayNameCustomerAdmins).
 *
 * At most `limit` customers, in company-name order (then tenant id, so the cut is stable).
 */
export async function insightCustomersOf(
  db: Db,
  partnerTenantId: string,
  limit: number,
): Promise<InsightCustomer[]> {
  const rows = await db
    .selectFrom('customers as c')
    .innerJoin('tenants as p', 'p.id', 'c.tenant_id')
    .innerJoin('tenants as t', 't.id', 'c.customer_tenant_id')
    .selectAll('t')
    .select('c.company_name as customer_company_name')
    .where('c.tenant_id', '=', partnerTenantId)
    .where('p.kind', '=', 'partner')
    .where('t.kind', '=', 'customer')
    .where('t.id', '!=', partnerTenantId)
    .orderBy('c.company_name')
    .orderBy('t.id')
    .limit(limit)
    .execute();
  return rows.map(({ customer_company_name, ...tenant }) => ({
    tenant,
    companyName: customer_company_name,
  }));
}

/**
 * Whether a partner's user may see the user principal names of a customer's administrators who
 * lack MFA (the dashboard's Security requirements page names them; Graph's `customerMfaInsight`
 * carries counts only). Names out of a customer's directory go only to a session that proved MFA:
 * one admitted without it under a technical exception (SPEC §12, the dashboard gate's
 * `underException`) gets the counts.
 */
export function mayNameCustomerAdmins(request: { underException: boolean }): boolean {
  return !request.underException;
}
