import type { Db } from '../storage/database.ts';

export interface CustomerSubscription {
  id: string;
  name: string;
  offerId: string;
  status: 'active' | 'suspended';
  version: number;
  customerId: string;
  customerTenantId: string;
  customerName: string;
}

/** A subscription of one of the partner's customers, with its customer (tenant-scoped); undefined otherwise. */
export async function findCustomerSubscription(
  db: Db,
  partnerTenantId: string,
  subscriptionId: string,
): Promise<CustomerSubscription | undefined> {
  const row = await db
    .selectFrom('subscriptions as s')
    .innerJoin('customers as c', (j) =>
      j.onRef('c.id', '=', 's.customer_id').onRef('c.tenant_id', '=', 's.tenant_id'),
    )
    .select([
      's.id',
      's.friendly_name',
      's.offer_id',
      's.status',
      's.version',
      'c.id as customer_id',
      'c.customer_tenant_id',
      'c.company_name',
    ])
    .where('s.tenant_id', '=', partnerTenantId)
    .where('s.id', '=', subscriptionId)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    id: row.id,
    name: row.friendly_name,
    offerId: row.offer_id,
    status: row.status,
    version: row.version,
    customerId: row.customer_id,
    customerTenantId: row.customer_tenant_id,
    customerName: row.company_name,
  };
}
