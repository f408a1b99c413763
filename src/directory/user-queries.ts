import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { Db } from '../storage/database.ts';
import type { UserTable } from '../storage/schema.ts';
import { type DbKind, type ListingInput, listingClauses } from './listing.ts';
import { toUser, type User } from './users.ts';

/**
 * Searching a tenant's users (Graph `GET /users` with `$filter`, `$orderby`, `$search`, `$count`):
 * conditions and listing order in SQL, scoped to the tenant.
 */

/** One condition of a user search (the Graph route translates `$filter` into these). */
export type UserCondition =
  | { field: UserTextField; op: 'eq' | 'startswith'; value: string }
  | { field: UserTextField; op: 'null'; value: null }
  | { field: 'accountEnabled'; op: 'eq'; value: boolean }
  | { field: 'userType'; op: 'in'; value: UserTable['user_type'][] }
  | { field: 'id'; op: 'eq'; value: string };

export type UserTextField = keyof typeof COLUMN;

const COLUMN = {
  userPrincipalName: 'user_principal_name',
  displayName: 'display_name',
  mail: 'mail',
  jobTitle: 'job_title',
  mobilePhone: 'mobile_phone',
  officeLocation: 'office_location',
  preferredLanguage: 'preferred_language',
} as const;

/** The column behind a user property that lists may order or search by. */
export function userColumn(field: UserTextField | 'createdDateTime'): string {
  return field === 'createdDateTime' ? 'created_at' : COLUMN[field];
}

function userConditions(tenantId: string, conditions: UserCondition[]) {
  const out: RawBuilder<SqlBool>[] = [sql<SqlBool>`tenant_id = ${tenantId}`];
  for (const c of conditions) {
    switch (c.op) {
      case 'null':
        out.push(sql<SqlBool>`${sql.ref(COLUMN[c.field])} is null`);
        break;
      case 'eq':
      case 'startswith':
        if (c.field === 'accountEnabled') {
          out.push(sql<SqlBool>`account_enabled = ${c.value ? 1 : 0}`);
        } else if (c.field === 'id') {
          out.push(sql<SqlBool>`id = ${c.value}`);
        } else {
          const value = c.value.toLowerCase();
          const column = sql<string>`lower(${sql.ref(COLUMN[c.field])})`;
          out.push(
            c.op === 'eq'
              ? sql<SqlBool>`${column} = ${value}`
              : sql<SqlBool>`substr(${column}, 1, ${[...value].length}) = ${value}`,
          );
        }
        break;
      case 'in':
        out.push(sql<SqlBool>`user_type in (${sql.join(c.value)})`);
        break;
    }
  }
  return out;
}

/**
 * A page of a tenant's users: in id order by default (ids are immutable, so following the pages
 * returns every user once even while others are renamed), or in a listing order (listing.ts) with
 * the id breaking ties. Text comparisons ignore case, as Graph's do; `startswith` compares a
 * prefix with substr rather than LIKE, so `%` and `_` in the value mean themselves on both SQLite
 * and PostgreSQL.
 */
export async function queryUsers(
  db: Db,
  tenantId: string,
  input: {
    conditions: UserCondition[];
    afterId?: string | undefined;
    listing?: ListingInput;
    dbKind?: DbKind;
    limit: number;
  },
): Promise<User[]> {
  const listing: ListingInput = input.listing ?? (input.afterId ? { after: { id: input.afterId } } : {});
  const clauses = listingClauses(listing, input.dbKind ?? 'sqlite');
  let query = db.selectFrom('users').selectAll();
  for (const c of [...userConditions(tenantId, input.conditions), ...clauses.conditions])
    query = query.where(c);
  for (const o of clauses.orderBy) query = query.orderBy(o.expr, o.desc ? 'desc' : 'asc');
  const rows = await query.limit(input.limit).execute();
  return rows.map(toUser);
}

/** How many of a tenant's users match (Graph `$count`), counted by the database. */
export async function countUsers(
  db: Db,
  tenantId: string,
  input: { conditions: UserCondition[]; listing?: ListingInput },
): Promise<number> {
  const { conditions } = listingClauses({ search: input.listing?.search }, 'sqlite');
  let query = db.selectFrom('users').select((eb) => eb.fn.countAll<number | string>().as('n'));
  for (const c of [...userConditions(tenantId, input.conditions), ...conditions]) query = query.where(c);
  return Number((await query.executeTakeFirstOrThrow()).n);
}
