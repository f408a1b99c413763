import { hashPassword } from '../authentication-methods/passwords.ts';
import type { WardenContext } from '../context.ts';
import { revokeUserSessions } from '../sessions/user-sessions.ts';
import { type Db, inTransaction, isUniqueViolation } from '../storage/database.ts';
import { DirectoryError } from './directory-error.ts';
import {
  assertAnotherGlobalAdministrator,
  isEnabledGlobalAdministrator,
  lockTenantDirectory,
} from './global-administrators.ts';
import {
  applyPasswordReset,
  assertMayChangeCredentials,
  assertPasswordAllowed,
  preparePasswordReset,
} from './password-reset.ts';
import { getTenant } from './tenants.ts';
import { checkedUsageLocation, setUsageLocation } from './usage-locations.ts';
import { checkedProfile } from './user-profile.ts';
import {
  createUser,
  findUserByUpn,
  getUser,
  type User,
  type UserChanges,
  type UserProfile,
  updateUser,
} from './users.ts';

/**
 * An administrator's changes to the directory's users (issue 4 item 1): create, update (including
 * disable and a password), delete. Every rule is checked before anything is written, and each
 * change is one transaction: nothing is half-written.
 */

export interface PasswordProfile {
  password?: string | undefined;
  forceChangePasswordNextSignIn?: boolean | undefined;
}

export interface NewDirectoryUser {
  userPrincipalName: string;
  displayName: string;
  givenName?: string | undefined;
  surname?: string | undefined;
  accountEnabled: boolean;
  passwordProfile: PasswordProfile;
  profile?: Partial<UserProfile> | undefined;
  usageLocation?: string | null | undefined;
}

// RFC 5322's dot-atom local part, the characters Entra allows in a UPN's user name.
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

/** The UPN, lower-cased, if its domain is the tenant's own (Entra: a verified domain of the tenant). */
async function checkedUpn(ctx: WardenContext, tenantId: string, upn: string): Promise<string> {
  const tenant = await getTenant(ctx.db, tenantId);
  const value = upn.trim().toLowerCase();
  const at = value.lastIndexOf('@');
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (at < 1 || !LOCAL_PART.test(local) || local.length > 64)
    throw new DirectoryError('invalid', `The userPrincipalName '${upn}' is not valid.`);
  if (domain !== tenant?.domain)
    throw new DirectoryError(
      'invalid',
      `The domain portion of the userPrincipalName property is invalid: use the tenant's domain ${tenant?.domain}.`,
    );
  return value;
}

function duplicateUpn(upn: string): DirectoryError {
  return new DirectoryError(
    'conflict',
    `Another object with the same value for property userPrincipalName already exists: ${upn}.`,
  );
}

async function assertUpnFree(ctx: WardenContext, tenantId: string, upn: string, self?: string) {
  const existing = await findUserByUpn(ctx.db, tenantId, upn);
  if (existing && existing.id !== self) throw duplicateUpn(upn);
}

/** Graph `POST /users`: a member of the caller's tenant with a policy-checked password. */
export async function createDirectoryUser(
  ctx: WardenContext,
  tenantId: string,
  input: NewDirectoryUser,
): Promise<User> {
  const upn = await checkedUpn(ctx, tenantId, input.userPrincipalName);
  const password = input.passwordProfile.password;
  if (!password) throw new DirectoryError('invalid', 'passwordProfile.password is required.');
  await assertPasswordAllowed(ctx.db, password, { ...input, userPrincipalName: upn });
  const profile = checkedProfile(input.profile ?? {});
  const usageLocation = input.usageLocation ? checkedUsageLocation(input.usageLocation) : null;
  await assertUpnFree(ctx, tenantId, upn);
  const passwordHash = await hashPassword(password);
  try {
    return await inTransaction(ctx.db, async (trx) => {
      const user = await createUser(
        trx,
        tenantId,
        {
          profile,
          userPrincipalName: upn,
          displayName: input.displayName,
          ...(input.givenName !== undefined ? { givenName: input.givenName } : {}),
          ...(input.surname !== undefined ? { surname: input.surname } : {}),
          accountEnabled: input.accountEnabled,
          passwordHash,
          // Graph: a new user must change the initial password unless told otherwise.
          passwordChangeRequired: input.passwordProfile.forceChangePasswordNextSignIn ?? true,
        },
        ctx.clock.now(),
      );
      if (usageLocation) await setUsageLocation(trx, tenantId, user.id, usageLocation);
      return user;
    });
  } catch (error) {
    // Two creations of one UPN at once: the unique index decides (PostgreSQL and SQLite alike).
    if (isUniqueViolation(error)) throw duplicateUpn(upn);
    throw error;
  }
}

export interface DirectoryUserUpdate {
  userPrincipalName?: string | undefined;
  displayName?: string | undefined;
  givenName?: string | null | undefined;
  surname?: string | null | undefined;
  accountEnabled?: boolean | undefined;
  passwordProfile?: PasswordProfile | undefined;
  profile?: Partial<UserProfile> | undefined;
  /** A country code, or null to clear it. */
  usageLocation?: string | null | undefined;
}

/**
 * Graph `PATCH /users/{id}`. Disabling takes effect at once (the sign-in refuses the account, the
 * token endpoint's findAccount ends its refresh tokens, the APIs re-read it on every request).
 * A password goes through the one reset decision (app-only callers never); any other change —
 * enabling, disabling, a name, the UPN — needs the same authority over the target (otherwise a
 * User Administrator could re-enable and rename a Global Administrator or an agent, or take its
 * UPN); the last enabled Global Administrator stays.
 */
export async function updateDirectoryUser(
  ctx: WardenContext,
  actor: User | undefined,
  target: User,
  update: DirectoryUserUpdate,
): Promise<void> {
  const changes: UserChanges = {};
  const { passwordProfile: _password, profile: profileFields, ...accountFields } = update;
  const profileChanges = checkedProfile(profileFields ?? {});
  const usageLocation =
    update.usageLocation === undefined || update.usageLocation === null
      ? update.usageLocation
      : checkedUsageLocation(update.usageLocation);
  if (
    Object.values(accountFields).some((v) => v !== undefined) ||
    Object.values(profileChanges).some((v) => v !== undefined)
  )
    await assertMayChangeCredentials(ctx.db, actor, target, 'account', ctx.clock.now());
  if (update.userPrincipalName !== undefined) {
    changes.userPrincipalName = await checkedUpn(ctx, target.tenantId, update.userPrincipalName);
    await assertUpnFree(ctx, target.tenantId, changes.userPrincipalName, target.id);
  }
  if (update.displayName !== undefined) changes.displayName = update.displayName;
  if (update.givenName !== undefined) changes.givenName = update.givenName;
  if (update.surname !== undefined) changes.surname = update.surname;
  if (update.accountEnabled !== undefined) changes.accountEnabled = update.accountEnabled;
  if (Object.keys(profileChanges).length > 0) changes.profile = profileChanges;
  const profile = update.passwordProfile;
  if (profile && profile.password === undefined && profile.forceChangePasswordNextSignIn === undefined)
    throw new DirectoryError('invalid', 'passwordProfile needs a password.');
  const prepared =
    profile?.password !== undefined
      ? await preparePasswordReset(
          ctx.db,
          actor,
          { ...target, ...(changes as Partial<User>) },
          {
            newPassword: profile.password,
            forceChangePasswordNextSignIn: profile.forceChangePasswordNextSignIn ?? true,
            now: ctx.clock.now(),
          },
        )
      : undefined;
  if (profile && !prepared) {
    // Only the flag: still a credential change.
    await assertMayChangeCredentials(ctx.db, actor, target, 'password', ctx.clock.now());
    changes.passwordChangeRequired = profile.forceChangePasswordNextSignIn;
  }
  try {
    await inTransaction(ctx.db, async (trx) => {
      if (changes.accountEnabled === false) await keepGlobalAdministrator(trx, target);
      if (!(await updateUser(trx, target.tenantId, target.id, changes)))
        throw new DirectoryError('not_found', `Resource '${target.id}' does not exist.`);
      if (prepared) await applyPasswordReset(trx, target, prepared, { actor, now: ctx.clock.now() });
      if (usageLocation !== undefined) await setUsageLocation(trx, target.tenantId, target.id, usageLocation);
      // A disabled account keeps no session or refresh token (they would fail anyway; now they are gone).
      if (changes.accountEnabled === false) await revokeUserSessions(trx, target.tenantId, target.id);
    });
  } catch (error) {
    if (isUniqueViolation(error) && changes.userPrincipalName) throw duplicateUpn(changes.userPrincipalName);
    throw error;
  }
}

/** What a user may change of their own profile (Graph `PATCH /me`): contact details, not job data. */
export type OwnProfileUpdate = Partial<
  Pick<UserProfile, 'businessPhones' | 'mobilePhone' | 'preferredLanguage'>
>;

/**
 * Graph `PATCH /me`: a signed-in user's own contact details and language. What an organisation
 * decides (job title, office, mail, usage location, names, the UPN) stays an administrator's.
 */
export async function updateOwnProfile(
  ctx: WardenContext,
  self: User,
  update: OwnProfileUpdate,
): Promise<void> {
  const { businessPhones, mobilePhone, preferredLanguage } = update;
  const profile = checkedProfile({
    ...(businessPhones !== undefined ? { businessPhones } : {}),
    ...(mobilePhone !== undefined ? { mobilePhone } : {}),
    ...(preferredLanguage !== undefined ? { preferredLanguage } : {}),
  });
  if (!(await updateUser(ctx.db, self.tenantId, self.id, { profile })))
    throw new DirectoryError('not_found', `Resource '${self.id}' does not exist.`);
}

/**
 * Graph `DELETE /users/{id}`: the user goes with everything hanging off it — authentication
 * methods, recovery codes, group memberships, licences and usage location, sessions, grants and
 * refresh tokens — in one transaction. Sign-in log rows stay: they are history (SPEC §11).
 */
export async function deleteDirectoryUser(
  ctx: WardenContext,
  actor: User | undefined,
  target: User,
): Promise<void> {
  await assertMayChangeCredentials(ctx.db, actor, target, 'account', ctx.clock.now());
  await inTransaction(ctx.db, async (trx) => {
    await keepGlobalAdministrator(trx, target);
    const { tenantId, id } = target;
    // Licences too: a seat held by a deleted user would stay used for good (partner-center/licenses.ts).
    for (const table of [
      'auth_methods',
      'recovery_codes',
      'group_members',
      'license_assignments',
      'user_usage_locations',
    ] as const) {
      await trx.deleteFrom(table).where('tenant_id', '=', tenantId).where('user_id', '=', id).execute();
    }
    await revokeUserSessions(trx, tenantId, id);
    const result = await trx
      .deleteFrom('users')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) !== 1)
      throw new DirectoryError('not_found', `Resource '${id}' does not exist.`);
  });
}

/**
 * Before disabling or deleting `target`: under the tenant's directory lock, re-read it and, if it
 * is an enabled Global Administrator, make sure another one remains (race-safe: see
 * global-administrators.ts).
 */
async function keepGlobalAdministrator(trx: Db, target: User): Promise<void> {
  await lockTenantDirectory(trx, target.tenantId);
  const fresh = await getUser(trx, target.tenantId, target.id);
  if (fresh && isEnabledGlobalAdministrator(fresh))
    await assertAnotherGlobalAdministrator(trx, target.tenantId, target.id);
}

/**
 * Graph `revokeSignInSessions`: the user's sessions and refresh tokens end and its access tokens
 * stop counting at the APIs within seconds (user-sessions.ts). It needs the same authority over
 * the target as any change of the account: revoking is how an administrator locks someone out.
 */
export async function revokeDirectoryUserSessions(
  ctx: WardenContext,
  actor: User | undefined,
  target: User,
): Promise<void> {
  await assertMayChangeCredentials(ctx.db, actor, target, 'account', ctx.clock.now());
  await inTransaction(ctx.db, (trx) => revokeUserSessions(trx, target.tenantId, target.id));
}
