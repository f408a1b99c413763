import type { WardenContext } from '../../context.ts';
import { findUserByIdOrUpn, type User } from '../../directory/users.ts';
import { GraphError } from '../../errors/graph-errors.ts';
import type { ResourceShape } from '../odata.ts';

/** Graph `user` as the query options see it: what `$select` may name and `$filter` may test. */
export const USER_SHAPE: ResourceShape = {
  type: 'microsoft.graph.user',
  properties: {
    id: { type: 'guid', filter: ['eq'] },
    userPrincipalName: { type: 'string', filter: ['eq', 'startswith'] },
    displayName: { type: 'string', filter: ['eq', 'startswith'] },
    givenName: { type: 'string' },
    surname: { type: 'string' },
    accountEnabled: { type: 'boolean', filter: ['eq'] },
    userType: { type: 'string', filter: ['eq'] },
    createdDateTime: { type: 'dateTime' },
  },
};

/**
 * A user in Graph's `user` shape. Warden's service accounts are members (SPEC §1), so Graph's
 * `userType` is Member or Guest. Properties Warden has no data for (mail, phones…) are left out.
 */
export function userEntity(user: User) {
  return {
    id: user.id,
    userPrincipalName: user.userPrincipalName,
    displayName: user.displayName,
    givenName: user.givenName,
    surname: user.surname,
    accountEnabled: user.accountEnabled,
    userType: user.userType === 'guest' ? 'Guest' : 'Member',
    createdDateTime: new Date(user.createdAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
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
