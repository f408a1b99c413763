import type { WardenContext } from '../context.ts';
import { createDirectoryUser } from '../directory/user-admin.ts';
import { listUsers, type User } from '../directory/users.ts';
import { inTransaction } from '../storage/database.ts';

/**
 * Users of a customer tenant as Partner Center's `CustomerUser` sees them (issue 11 item 7): the
 * directory's user plus its `usageLocation` (ISO 3166 alpha-2, where the user's services are
 * delivered; Entra needs it before a licence can be assigned).
 */
export interface CustomerUser extends User {
  usageLocation: string | null;
}

export interface NewCustomerUser {
  userPrincipalName: string;
  displayName: string;
  firstName?: string | undefined;
  lastName?: string | undefined;
  password: string;
  forceChangePassword: boolean;
  usageLocation?: string | undefined;
}

async function usageLocations(ctx: WardenContext, tenantId: string): Promise<Map<string, string>> {
  const rows = await ctx.db
    .selectFrom('user_usage_locations')
    .select(['user_id', 'usage_location'])
    .where('tenant_id', '=', tenantId)
    .execute();
  return new Map(rows.map((r) => [r.user_id, r.usage_location]));
}

export async function listCustomerUsers(ctx: WardenContext, tenantId: string): Promise<CustomerUser[]> {
  const [users, locations] = await Promise.all([listUsers(ctx.db, tenantId), usageLocations(ctx, tenantId)]);
  return users.map((u) => ({ ...u, usageLocation: locations.get(u.id) ?? null }));
}

/**
 * Partner Center's `POST /customers/{id}/users`: a member of the customer's tenant, through the
 * directory's one creation path (its UPN, duplicate and password-policy rules), and its usage
 * location, in one transaction.
 */
export async function createCustomerUser(
  ctx: WardenContext,
  tenantId: string,
  input: NewCustomerUser,
): Promise<CustomerUser> {
  return inTransaction(ctx.db, async (trx) => {
    const user = await createDirectoryUser({ ...ctx, db: trx }, tenantId, {
      userPrincipalName: input.userPrincipalName,
      displayName: input.displayName,
      givenName: input.firstName,
      surname: input.lastName,
      accountEnabled: true,
      passwordProfile: { password: input.password, forceChangePasswordNextSignIn: input.forceChangePassword },
    });
    const usageLocation = input.usageLocation?.toUpperCase() ?? null;
    if (usageLocation)
      await trx
        .insertInto('user_usage_locations')
        .values({ tenant_id: tenantId, user_id: user.id, usage_location: usageLocation })
        .execute();
    return { ...user, usageLocation };
  });
}
