import { createTenant } from '../directory/tenants.ts';
import { type Db, inTransaction, isUniqueViolation } from '../storage/database.ts';
import type { CustomerTable } from '../storage/schema.ts';

export interface CompanyProfile {
  email: string;
  phone: string;
  addressLine1: string;
  city: string;
  postalCode: string;
  culture: string;
  language: string;
}

/** A partner's customer (issue 3 item 1), linked to its own tenant in the directory. */
export interface Customer {
  id: string;
  partnerTenantId: string;
  customerTenantId: string;
  companyName: string;
  domain: string;
  country: string;
  profile: CompanyProfile;
  relationship: CustomerTable['relationship'];
  delegatedAdmin: CustomerTable['delegated_admin'];
  /** When the partner removed DAP (SPEC §13), or null. */
  dapRemovedAt: number | null;
  createdAt: number;
}

export function toCustomer(row: CustomerTable): Customer {
  return {
    id: row.id,
    partnerTenantId: row.tenant_id,
    customerTenantId: row.customer_tenant_id,
    companyName: row.company_name,
    domain: row.domain,
    country: row.country,
    profile: JSON.parse(row.profile) as CompanyProfile,
    relationship: row.relationship,
    delegatedAdmin: row.delegated_admin,
    dapRemovedAt: row.dap_removed_at === null ? null : Number(row.dap_removed_at),
    createdAt: Number(row.created_at),
  };
}

/** The partner's customers, optionally those whose company name or domain starts with `search`. */
export async function listCustomers(
  db: Db,
  partnerTenantId: string,
  options: { search?: string; limit?: number } = {},
): Promise<Customer[]> {
  let query = db.selectFrom('customers').selectAll().where('tenant_id', '=', partnerTenantId);
  const search = options.search?.trim().toLowerCase();
  if (search) {
    const pattern = `${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where((eb) =>
      eb.or([eb(eb.fn('lower', ['company_name']), 'like', eb.val(pattern)), eb('domain', 'like', pattern)]),
    );
  }
  const rows = await query
    .orderBy('company_name')
    .limit(options.limit ?? 500)
    .execute();
  return rows.map(toCustomer);
}

export async function getCustomer(
  db: Db,
  partnerTenantId: string,
  customerId: string,
): Promise<Customer | undefined> {
  const row = await db
    .selectFrom('customers')
    .selectAll()
    .where('tenant_id', '=', partnerTenantId)
    .where('id', '=', customerId)
    .executeTakeFirst();
  return row ? toCustomer(row) : undefined;
}

export class DomainTakenError extends Error {
  readonly domain: string;
  constructor(domain: string) {
    super(`The domain ${domain} is already in use`);
    this.domain = domain;
  }
}

export interface NewCustomer {
  companyName: string;
  domain: string;
  country: string;
  profile: CompanyProfile;
}

/**
 * Creates a customer: its tenant in the directory (with security defaults on, as a new Entra
 * tenant has) and the partner's reseller relationship to it, in one transaction. The customer id
 * is the customer's tenant id, as in Partner Center.
 */
export async function createCustomer(
  db: Db,
  partnerTenantId: string,
  input: NewCustomer,
  now: number,
): Promise<Customer> {
  const domain = input.domain.toLowerCase();
  // The check gives the usual answer; the unique index on tenants.domain settles a race between
  // two concurrent creations (PostgreSQL: both may pass the check; one insert then fails).
  return inTransaction(db, async (trx) => {
    const taken = await trx
      .selectFrom('tenants')
      .select('id')
      .where('domain', '=', domain)
      .executeTakeFirst();
    if (taken) throw new DomainTakenError(domain);
    const tenant = await createTenant(
      trx,
      {
        kind: 'customer',
        displayName: input.companyName,
        domain,
        partnerTenantId,
        securityDefaults: true,
      },
      now,
    );
    return linkCustomer(
      trx,
      partnerTenantId,
      { ...input, domain, customerTenantId: tenant.id, relationship: 'reseller', delegatedAdmin: 'none' },
      now,
    );
  }).catch((error: unknown) => {
    throw isUniqueViolation(error) ? new DomainTakenError(domain) : error;
  });
}

/** Links a customer tenant to its partner (a new customer, or an existing tenant in the demo data). */
export async function linkCustomer(
  db: Db,
  partnerTenantId: string,
  customer: Omit<Customer, 'id' | 'partnerTenantId' | 'createdAt' | 'dapRemovedAt'>,
  now: number,
): Promise<Customer> {
  const row: CustomerTable = {
    tenant_id: partnerTenantId,
    id: customer.customerTenantId,
    customer_tenant_id: customer.customerTenantId,
    company_name: customer.companyName,
    domain: customer.domain,
    country: customer.country,
    profile: JSON.stringify(customer.profile),
    relationship: customer.relationship,
    delegated_admin: customer.delegatedAdmin,
    created_at: now,
    dap_removed_at: null,
  };
  await db.insertInto('customers').values(row).execute();
  return toCustomer(row);
}
