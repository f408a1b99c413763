import type { WardenContext } from '../../context.ts';
import { usageLocationsOf } from '../../directory/usage-locations.ts';
import { PROFILE_LIMITS } from '../../directory/user-profile.ts';
import { findUserByIdOrUpn, type User } from '../../directory/users.ts';
import { GraphError } from '../../errors/graph-errors.ts';
import type { ResourceShape } from '../odata.ts';

const TEXT = ['eq', 'startswith'] as const;

/**
 * Graph `user` as the query options see it: what `$select` may name, `$filter` test, `$orderby`
 * sort by and `$search` look in (Graph's user resource and advanced queries: displayName and
 * userPrincipalName sort always, the others only as advanced queries).
 */
export const USER_SHAPE: ResourceShape = {
  type: 'microsoft.graph.user',
  properties: {
    id: { type: 'guid', filter: ['eq'] },
    userPrincipalName: { type: 'string', filter: TEXT, orderBy: 'default', search: true },
    displayName: { type: 'string', filter: TEXT, orderBy: 'default', search: true },
    givenName: { type: 'string' },
    surname: { type: 'string' },
    mail: { type: 'string', filter: TEXT, orderBy: 'advanced', search: true },
    businessPhones: { type: 'string' },
    jobTitle: { type: 'string', filter: TEXT, orderBy: 'advanced' },
    mobilePhone: { type: 'string', filter: TEXT },
    officeLocation: { type: 'string', filter: TEXT },
    preferredLanguage: { type: 'string', filter: ['eq'] },
    accountEnabled: { type: 'boolean', filter: ['eq'] },
    userType: { type: 'string', filter: ['eq'] },
    createdDateTime: { type: 'dateTime', orderBy: 'advanced' },
    // Graph: "Returned only on $select".
    usageLocation: { type: 'string', selectOnly: true },
  },
};

/** The JSON schema of the profile properties a POST or PATCH may set (Graph's lengths). */
export const PROFILE_SCHEMA = {
  mail: { type: ['string', 'null'], maxLength: PROFILE_LIMITS.mail },
  businessPhones: {
    type: 'array',
    maxItems: 1,
    items: { type: 'string', maxLength: PROFILE_LIMITS.businessPhone },
  },
  jobTitle: { type: ['string', 'null'], maxLength: PROFILE_LIMITS.jobTitle },
  mobilePhone: { type: ['string', 'null'], maxLength: PROFILE_LIMITS.mobilePhone },
  officeLocation: { type: ['string', 'null'], maxLength: PROFILE_LIMITS.officeLocation },
  preferredLanguage: { type: ['string', 'null'], maxLength: 16 },
  usageLocation: { type: ['string', 'null'], maxLength: 2 },
} as const;

/** What a user's usage location is, when the caller looked it up (only `$select` shows it). */
export interface UserExtras {
  usageLocation?: string | null;
}

/**
 * A user in Graph's `user` shape: Graph's default properties (null, or no phones, when unset),
 * plus what Warden has always returned (accountEnabled, userType, createdDateTime). Warden's
 * service accounts are members (SPEC §1), so `userType` is Member or Guest.
 */
export function userEntity(user: User, extras: UserExtras = {}) {
  return {
    id: user.id,
    businessPhones: user.profile.businessPhones,
    displayName: user.displayName,
    givenName: user.givenName,
    jobTitle: user.profile.jobTitle,
    mail: user.profile.mail,
    mobilePhone: user.profile.mobilePhone,
    officeLocation: user.profile.officeLocation,
    preferredLanguage: user.profile.preferredLanguage,
    surname: user.surname,
    userPrincipalName: user.userPrincipalName,
    accountEnabled: user.accountEnabled,
    userType: user.userType === 'guest' ? 'Guest' : 'Member',
    createdDateTime: new Date(user.createdAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    ...('usageLocation' in extras ? { usageLocation: extras.usageLocation ?? null } : {}),
  };
}

/** Whether the answer needs the users' usage locations (a `$select` naming it). */
export function wantsUsageLocation(select: readonly string[] | undefined): boolean {
  return select?.includes('usageLocation') === true;
}

/** The usage location, looked up only when `$select` names it. */
export async function extrasOf(
  ctx: WardenContext,
  user: User,
  select: readonly string[] | undefined,
): Promise<UserExtras> {
  if (!wantsUsageLocation(select)) return {};
  const locations = await usageLocationsOf(ctx.db, user.tenantId, [user.id]);
  return { usageLocation: locations.get(user.id) ?? null };
}

/** A user of the caller's tenant by id or UPN; any other (another tenant's included) is a 404. */
export async function userOr404(ctx: WardenContext, tenantId: string, key: string): Promise<User> {
  const user = await findUserByIdOrUpn(ctx.db, tenantId, key);
  if (!user)
    throw new GraphError(
      'Request_ResourceNotFound',
      `Resource '${key}' does not exist or one of its queried reference-property objects are not present.`,
    );
  return user;
}
