import { sql } from 'kysely';
import type { Db } from '../storage/database.ts';
import { type Customer, toCustomer } from './customers.ts';

/**
 * Partner Center's customer search (pc:developer/get-a-customer-by-name.md): the fields of
 * `CustomerSearchField`, with `starts_with`, the only operator the customers endpoint takes; the
 * value's case is ignored.
 */
export const CUSTOMER_SEARCH_FIELDS = [
  'CompanyName',
  'Domain',
  'IndirectReseller',
  'IndirectCloudSolutionProvider',
] as const;
export type CustomerSearchField = (typeof CUSTOMER_SEARCH_FIELDS)[number];

export interface CustomerFilter {
  field: CustomerSearchField;
  /** The prefix, compared without regard to case. */
  value: string;
}

/** Where the previous page ended: the sort key (company name, then id) of its last customer. */
export interface CustomerSeek {
  companyName: string;
  id: string;
}

export interface CustomerPage {
  customers: Customer[];
  /** The key to continue after, when more customers follow; undefined on the last page. */
  next?: CustomerSeek;
}

function likePrefix(value: string): string {
  return `${value.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * One page of the partner's customers, in the order of their company name then id, after `after`
 * (seek paging: a customer added or removed between two pages neither repeats nor skips another).
 * Every row is the partner's (`tenant_id`); `after` only says where in them to start.
 *
 * Warden sells directly: no customer of a partner came through an indirect reseller or an indirect
 * provider, so a filter on `IndirectReseller` or `IndirectCloudSolutionProvider` matches none.
 */
export async function pageCustomers(
  db: Db,
  partnerTenantId: string,
  options: { filter?: CustomerFilter; search?: string; size: number; after?: CustomerSeek },
): Promise<CustomerPage> {
  const { filter, size, after } = options;
  const search = options.search?.trim();
  if (filter && (filter.field === 'IndirectReseller' || filter.field === 'IndirectCloudSolutionProvider'))
    return { customers: [] };
  let query = db.selectFrom('customers').selectAll().where('tenant_id', '=', partnerTenantId);
  if (filter) {
    const pattern = likePrefix(filter.value);
    // Domains are stored lower-case; company names keep the case they were given.
    // ESCAPE named: SQLite's LIKE has no escape character unless told (PostgreSQL's is `\`).
    query =
      filter.field === 'Domain'
        ? query.where(sql<boolean>`domain like ${pattern} escape '\\'`)
        : query.where(sql<boolean>`lower(company_name) like ${pattern} escape '\\'`);
  }
  if (search) {
    // Warden's own `search`: a prefix of the company name or of the domain.
    const pattern = likePrefix(search);
    query = query.where(
      sql<boolean>`(lower(company_name) like ${pattern} escape '\\' or domain like ${pattern} escape '\\')`,
    );
  }
  if (after) {
    query = query.where((eb) =>
      eb.or([
        eb('company_name', '>', after.companyName),
        eb.and([eb('company_name', '=', after.companyName), eb('id', '>', after.id)]),
      ]),
    );
  }
  const rows = await query
    .orderBy('company_name')
    .orderBy('id')
    .limit(size + 1)
    .execute();
  const customers = rows.slice(0, size).map(toCustomer);
  const last = customers.at(-1);
  return rows.length > size && last
    ? { customers, next: { companyName: last.companyName, id: last.id } }
    : { customers };
}
