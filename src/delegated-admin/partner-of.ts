import type { Db } from '../storage/database.ts';

/**
 * Whether `partnerTenantId` is a partner OF `customerTenantId`: a Partner Center customer link or a
 * GDAP relationship (any status) from the partner to the customer. Only then is the partner's user
 * an account a customer's authority knows (SPEC E3: home realm at the customer's authority, and what
 * the customer's sign-in log may show of it); a stranger's accounts are not that authority's business.
 */
export async function isPartnerOf(
  db: Db,
  partnerTenantId: string,
  customerTenantId: string,
): Promise<boolean> {
  const link = await db
    .selectFrom('customers')
    .select('id')
    .where('tenant_id', '=', partnerTenantId)
    .where('customer_tenant_id', '=', customerTenantId)
    .executeTakeFirst();
  if (link) return true;
  const relationship = await db
    .selectFrom('delegated_admin_relationships')
    .select('id')
    .where('partner_tenant_id', '=', partnerTenantId)
    .where('customer_tenant_id', '=', customerTenantId)
    .executeTakeFirst();
  return relationship !== undefined;
}
