import type { Db } from '../storage/database.ts';
import { DirectoryError } from './directory-error.ts';

/**
 * A user's `usageLocation` (ISO 3166-1 alpha-2: where the user's services are used, needed before
 * a licence is assigned). It lives in `user_usage_locations` (migration 0011), beside the user's
 * row, shared by Graph's `user` and Partner Center's customer user.
 */

// ISO 3166-1 reserves these for other uses: they name no country a user's services are used in.
const NOT_COUNTRIES = new Set(['EU', 'EZ', 'UN', 'QO', 'ZZ', 'AA', 'XA', 'XB']);
const REGIONS = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });

/**
 * The code upper-cased if it is an ISO 3166-1 alpha-2 country code. The list is ICU's (Node's
 * Intl data): a code ICU does not name (`QQ`) is no country.
 */
export function checkedUsageLocation(value: string): string {
  const code = value.trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(code) || NOT_COUNTRIES.has(code) || REGIONS.of(code) === code)
    throw new DirectoryError(
      'invalid',
      `Invalid value specified for property 'usageLocation' of resource 'User': '${value}' is not an ISO 3166 two-letter country code.`,
    );
  return code;
}

/** The usage locations of some users of a tenant, by user id. */
export async function usageLocationsOf(
  db: Db,
  tenantId: string,
  userIds: readonly string[],
): Promise<Map<string, string>> {
  if (userIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('user_usage_locations')
    .select(['user_id', 'usage_location'])
    .where('tenant_id', '=', tenantId)
    .where('user_id', 'in', [...userIds])
    .execute();
  return new Map(rows.map((r) => [r.user_id, r.usage_location]));
}

/** Sets (or, with null, clears) a user's usage location; run inside the change's transaction. */
export async function setUsageLocation(
  trx: Db,
  tenantId: string,
  userId: string,
  code: string | null,
): Promise<void> {
  await trx
    .deleteFrom('user_usage_locations')
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .execute();
  if (code !== null)
    await trx
      .insertInto('user_usage_locations')
      .values({ tenant_id: tenantId, user_id: userId, usage_location: code })
      .execute();
}
