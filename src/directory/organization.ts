import type { Db } from '../storage/database.ts';
import { getTenant, type PartnerProgramType, type Tenant } from './tenants.ts';

/**
 * A tenant as Graph's `organization` describes it: what Warden knows of it, and no more. Its
 * country is the one its partner recorded for it as a customer (Partner Center's company
 * profile); a tenant no partner has as a customer has none.
 */
export interface Organization {
  tenant: Tenant;
  countryLetterCode: string | null;
}

export async function getOrganization(db: Db, tenantId: string): Promise<Organization | undefined> {
  const tenant = await getTenant(db, tenantId);
  if (!tenant) return undefined;
  const customer = await db
    .selectFrom('customers')
    .select('country')
    .where('customer_tenant_id', '=', tenantId)
    .orderBy('created_at')
    .executeTakeFirst();
  return { tenant, countryLetterCode: customer?.country.toUpperCase() ?? null };
}

/**
 * Graph's `partnerTenantType` for a partner's program: the CSP programs have Microsoft's names;
 * a control-panel vendor or an advisor has none of them, so null (as for a tenant that is no partner).
 */
const PARTNER_TENANT_TYPE: Record<PartnerProgramType, string | null> = {
  'csp-direct': 'resellerPartnerDelegatedAdmin',
  'csp-indirect-provider': 'breadthPartnerDelegatedAdmin',
  'csp-indirect-reseller': 'valueAddedResellerPartnerDelegatedAdmin',
  'control-panel-vendor': null,
  advisor: null,
};

export function partnerTenantTypeOf(tenant: Tenant): string | null {
  if (tenant.kind !== 'partner' || !tenant.program_type) return null;
  return PARTNER_TENANT_TYPE[tenant.program_type as PartnerProgramType] ?? null;
}
