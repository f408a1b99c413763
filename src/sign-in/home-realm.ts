import { isPartnerOf } from '../delegated-admin/partner-of.ts';
import { findTenant, type Tenant } from '../directory/tenants.ts';
import { findUserByUpn, type User } from '../directory/users.ts';

/**
 * Home realm discovery (SPEC E3, reference §2.1): whose account a name typed at an authority is.
 * The authority's own user wins; otherwise the UPN's domain names the user's home tenant, and a
 * user of a *partner* tenant may sign in here with its home credentials on behalf of this
 * customer (whether it may is `delegatedAccessOf`'s to say, after the password) — when that
 * partner is a partner OF this customer (a customer link or a GDAP relationship, any status), as
 * the password grant resolves names. Any other tenant's user, a stranger partner's included, is as
 * unknown here as a name that does not exist: its id, display name and home tenant never reach
 * this customer's sign-in log, and its failures count against the name here, not at home.
 */
export interface HomeRealm {
  /** The tenant whose password, methods and throttles apply. */
  accountTenantId: string;
  user: User | undefined;
  /** The account is a partner's user acting at a customer's authority. */
  serviceProvider: boolean;
}

export async function homeRealmOf(
  db: Parameters<typeof findUserByUpn>[0],
  authority: Tenant,
  upn: string,
): Promise<HomeRealm> {
  const own = { accountTenantId: authority.id, serviceProvider: false };
  if (!upn) return { ...own, user: undefined };
  const local = await findUserByUpn(db, authority.id, upn);
  if (local) return { ...own, user: local };
  const domain = upn.slice(upn.lastIndexOf('@') + 1);
  if (!upn.includes('@') || !domain || domain === authority.domain || authority.kind !== 'customer')
    return { ...own, user: undefined };
  const home = await findTenant(db, domain);
  if (!home || home.id === authority.id || home.kind !== 'partner' || home.domain !== domain)
    return { ...own, user: undefined };
  if (!(await isPartnerOf(db, home.id, authority.id))) return { ...own, user: undefined };
  return { accountTenantId: home.id, user: await findUserByUpn(db, home.id, upn), serviceProvider: true };
}
