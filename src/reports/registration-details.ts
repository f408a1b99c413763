import { type RawBuilder, type SqlBool, sql } from 'kysely';
import { isAdministrator } from '../directory/role-sets.ts';
import type { Db } from '../storage/database.ts';

/**
 * Graph's `userRegistrationDetails` (issue 4 item 1): per user, which authentication methods are
 * registered and what that makes the user capable of. Computed for a whole page of users in one
 * query (users joined with their methods, aggregated), never one query per user.
 *
 * Decisions, where Warden's data and Graph's vocabulary meet:
 * - `methodsRegistered` uses Graph's method names: an authenticator app (TOTP, RFC 6238) is
 *   `softwareOneTimePasscode`. Recovery codes are no Graph method and not an MFA method (they only
 *   stand in for a lost authenticator, src/authentication-methods/methods.ts), so they are not
 *   listed and do not make a user registered. The password is not listed either, as in Graph.
 * - `isMfaCapable` equals `isMfaRegistered`: every method Warden has is allowed by its policy.
 * - `isPasswordlessCapable` is false for everyone, truthfully: Warden has no passwordless method.
 * - Self-service password reset does not exist in Warden (reference §6.3): `isSsprRegistered`,
 *   `isSsprEnabled` and `isSsprCapable` are false for everyone, truthfully, until it does.
 * - System-preferred MFA (reference §3.5) does not exist either: `isSystemPreferredAuthentication
 *   MethodEnabled` is false and `systemPreferredAuthenticationMethods` empty. The user's own
 *   preferred second method (`userPreferredMethodForSecondaryAuthentication`, Graph's
 *   userDefaultAuthenticationMethodType) is `oath` — an authenticator app's code — for a user with
 *   one, else `none`.
 * - `lastUpdatedDateTime` is when the newest of the user's methods was registered, else when the
 *   account was created. (A removed method leaves no trace to date it by.)
 * - `userType` is Graph's `member` or `guest`; Warden's service accounts are members (SPEC §1).
 * - `isAdmin`: the user holds any directory role.
 */
export interface UserRegistrationDetails {
  id: string;
  userPrincipalName: string;
  userDisplayName: string;
  userType: 'member' | 'guest';
  isAdmin: boolean;
  isMfaRegistered: boolean;
  isMfaCapable: boolean;
  isPasswordlessCapable: boolean;
  methodsRegistered: string[];
  defaultMfaMethod: 'none' | 'softwareOneTimePasscode';
  isSsprRegistered: false;
  isSsprEnabled: false;
  isSsprCapable: false;
  isSystemPreferredAuthenticationMethodEnabled: false;
  systemPreferredAuthenticationMethods: never[];
  userPreferredMethodForSecondaryAuthentication: 'none' | 'oath';
  lastUpdatedDateTime: string;
}

/** SQL for the computed properties, over `u` (users) and `m` (the user's aggregated methods). */
export const REGISTRATION_SQL = {
  isAdmin: (value: boolean) =>
    // Roles are stored as a JSON array; the directory writes an empty one as `[]`.
    value ? sql<SqlBool>`u.directory_roles <> '[]'` : sql<SqlBool>`u.directory_roles = '[]'`,
  isMfaRegistered: (value: boolean) =>
    value ? sql<SqlBool>`coalesce(m.totp_count, 0) > 0` : sql<SqlBool>`coalesce(m.totp_count, 0) = 0`,
  /** A property no user has yet (SSPR, system-preferred MFA): `eq false` is everyone, `eq true` no one. */
  noneYet: (value: boolean) => (value ? sql<SqlBool>`1 = 0` : sql<SqlBool>`1 = 1`),
  userType: (value: 'member' | 'guest') =>
    value === 'guest' ? sql<SqlBool>`u.user_type = 'guest'` : sql<SqlBool>`u.user_type <> 'guest'`,
};

/** One page of the tenant's users' registration details in user id order, after `afterId`. */
export async function queryRegistrationDetails(
  db: Db,
  tenantId: string,
  query: { conditions?: RawBuilder<SqlBool>[]; afterId?: string; limit: number },
): Promise<UserRegistrationDetails[]> {
  const methods = db
    .selectFrom('auth_methods')
    .select((eb) => [
      'user_id',
      eb.fn.countAll<number | string>().as('totp_count'),
      eb.fn.max('created_at').as('last_registered'),
    ])
    .where('tenant_id', '=', tenantId)
    .where('kind', '=', 'totp')
    .groupBy('user_id')
    .as('m');
  let q = db
    .selectFrom('users as u')
    .leftJoin(methods, 'm.user_id', 'u.id')
    .select([
      'u.id',
      'u.user_principal_name',
      'u.display_name',
      'u.user_type',
      'u.directory_roles',
      'u.created_at',
      'm.totp_count',
      'm.last_registered',
    ])
    .where('u.tenant_id', '=', tenantId);
  for (const condition of query.conditions ?? []) q = q.where(condition);
  if (query.afterId !== undefined) q = q.where('u.id', '>', query.afterId);
  const rows = await q.orderBy('u.id').limit(query.limit).execute();
  return rows.map((r) => {
    const registered = Number(r.totp_count ?? 0) > 0;
    const roles = JSON.parse(r.directory_roles) as string[];
    return {
      id: r.id,
      userPrincipalName: r.user_principal_name,
      userDisplayName: r.display_name,
      userType: r.user_type === 'guest' ? 'guest' : 'member',
      isAdmin: isAdministrator(roles),
      isMfaRegistered: registered,
      isMfaCapable: registered,
      isPasswordlessCapable: false,
      methodsRegistered: registered ? ['softwareOneTimePasscode'] : [],
      defaultMfaMethod: registered ? 'softwareOneTimePasscode' : 'none',
      isSsprRegistered: false,
      isSsprEnabled: false,
      isSsprCapable: false,
      isSystemPreferredAuthenticationMethodEnabled: false,
      systemPreferredAuthenticationMethods: [],
      userPreferredMethodForSecondaryAuthentication: registered ? 'oath' : 'none',
      lastUpdatedDateTime: new Date(
        r.last_registered === null || r.last_registered === undefined
          ? r.created_at
          : Number(r.last_registered),
      ).toISOString(),
    };
  });
}
