import { canonicalGuid } from '../guid.ts';

/**
 * The account of a partner user signed in at a customer's authority (SPEC E3, reference §2.1):
 * oidc-provider knows an account by one string, and a customer authority holds two kinds — its
 * own users (their directory id, a GUID) and partner users acting on behalf of the customer. A
 * partner user's account id names the home tenant and the user, in a form no GUID can take, so
 * the two are never mistaken for each other in a session, a grant or a refresh token.
 */

const PREFIX = 'sp:';

export interface ServiceProviderAccount {
  homeTenantId: string;
  userId: string;
}

/** `sp:{homeTenantId}:{userId}` — also the token's `sub` at the customer's authority. */
export function serviceProviderAccountId(account: ServiceProviderAccount): string {
  return `${PREFIX}${account.homeTenantId}:${account.userId}`;
}

/** The partner user an account id names, or undefined when it is a tenant's own user (or garbage). */
export function parseServiceProviderAccountId(id: string): ServiceProviderAccount | undefined {
  if (!id.startsWith(PREFIX)) return undefined;
  const [homeTenantId, userId, ...rest] = id.slice(PREFIX.length).split(':');
  if (homeTenantId === undefined || userId === undefined) return undefined;
  if (rest.length > 0 || canonicalGuid(homeTenantId) !== homeTenantId || canonicalGuid(userId) !== userId)
    return undefined;
  return { homeTenantId, userId };
}
