import { createHash, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { safeEqual } from '../security/constant-time.ts';
import type { Db } from '../storage/database.ts';
import type { UserTable } from '../storage/schema.ts';
import type { DirectoryRole } from './roles.ts';

export interface User {
  tenantId: string;
  id: string;
  userPrincipalName: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  userType: UserTable['user_type'];
  accountEnabled: boolean;
  passwordHash: string | null;
  directoryRoles: DirectoryRole[];
  firstInteractiveSignInAt: number | null;
  /** SPEC §5: when the 14-day registration window of security defaults began (null: not yet). */
  registrationWindowStartedAt: number | null;
  createdAt: number;
  /** SPEC §9: set by an admin's reset to a temporary password; the next sign-in must choose a new one. */
  passwordChangeRequired: boolean;
  /**
   * Issue 15 item 2: activated by an onboarding link, so a first MFA registration needs the
   * Temporary Access Pass the activation gave (whatever the tenant's setting).
   */
  firstRegistrationRequiresTap: boolean;
  /** When the password was last set (null: unknown, set before Warden kept it, or no password). */
  passwordChangedAt: number | null;
  /** Graph's default `user` properties (contact and job details an administrator keeps). */
  profile: UserProfile;
}

/** Graph `user` contact and job properties; null (or no phones) when not set. */
export interface UserProfile {
  mail: string | null;
  businessPhones: string[];
  jobTitle: string | null;
  mobilePhone: string | null;
  officeLocation: string | null;
  preferredLanguage: string | null;
}

export const EMPTY_PROFILE: UserProfile = {
  mail: null,
  businessPhones: [],
  jobTitle: null,
  mobilePhone: null,
  officeLocation: null,
  preferredLanguage: null,
};

function profileColumns(profile: Partial<UserProfile>): Partial<UserTable> {
  const set: Partial<UserTable> = {};
  if (profile.mail !== undefined) set.mail = profile.mail === null ? null : profile.mail.toLowerCase();
  if (profile.businessPhones !== undefined) set.business_phones = JSON.stringify(profile.businessPhones);
  if (profile.jobTitle !== undefined) set.job_title = profile.jobTitle;
  if (profile.mobilePhone !== undefined) set.mobile_phone = profile.mobilePhone;
  if (profile.officeLocation !== undefined) set.office_location = profile.officeLocation;
  if (profile.preferredLanguage !== undefined) set.preferred_language = profile.preferredLanguage;
  return set;
}

export interface NewUser {
  userPrincipalName: string;
  displayName: string;
  givenName?: string;
  surname?: string;
  userType?: UserTable['user_type'];
  accountEnabled?: boolean;
  passwordHash?: string;
  directoryRoles?: DirectoryRole[];
  passwordChangeRequired?: boolean;
  profile?: Partial<UserProfile>;
}

export function toUser(row: UserTable): User {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    userPrincipalName: row.user_principal_name,
    displayName: row.display_name,
    givenName: row.given_name,
    surname: row.surname,
    userType: row.user_type,
    accountEnabled: row.account_enabled === 1,
    passwordHash: row.password_hash,
    directoryRoles: JSON.parse(row.directory_roles) as DirectoryRole[],
    firstInteractiveSignInAt: row.first_interactive_sign_in_at,
    registrationWindowStartedAt: row.registration_window_started_at,
    createdAt: row.created_at,
    passwordChangeRequired: row.password_change_required === 1,
    firstRegistrationRequiresTap: Number(row.first_registration_requires_tap) === 1,
    passwordChangedAt: row.password_changed_at === null ? null : Number(row.password_changed_at),
    profile: {
      mail: row.mail,
      businessPhones: row.business_phones ? (JSON.parse(row.business_phones) as string[]) : [],
      jobTitle: row.job_title,
      mobilePhone: row.mobile_phone,
      officeLocation: row.office_location,
      preferredLanguage: row.preferred_language,
    },
  };
}

export async function createUser(db: Db, tenantId: string, input: NewUser, now = Date.now()): Promise<User> {
  const row: UserTable = {
    tenant_id: tenantId,
    id: randomUUID(),
    user_principal_name: input.userPrincipalName.toLowerCase(),
    display_name: input.displayName,
    given_name: input.givenName ?? null,
    surname: input.surname ?? null,
    user_type: input.userType ?? 'member',
    account_enabled: input.accountEnabled === false ? 0 : 1,
    password_hash: input.passwordHash ?? null,
    directory_roles: JSON.stringify(input.directoryRoles ?? []),
    first_interactive_sign_in_at: null,
    registration_window_started_at: null,
    created_at: now,
    password_change_required: input.passwordChangeRequired ? 1 : 0,
    first_registration_requires_tap: 0,
    password_changed_at: input.passwordHash ? now : null,
    mail: null,
    business_phones: null,
    job_title: null,
    mobile_phone: null,
    office_location: null,
    preferred_language: null,
    ...profileColumns(input.profile ?? {}),
  };
  await db.insertInto('users').values(row).execute();
  return toUser(row);
}

export async function findUserByUpn(db: Db, tenantId: string, upn: string): Promise<User | undefined> {
  const row = await db
    .selectFrom('users')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('user_principal_name', '=', upn.trim().toLowerCase())
    .executeTakeFirst();
  return row && toUser(row);
}

export async function getUser(db: Db, tenantId: string, id: string): Promise<User | undefined> {
  const row = await db
    .selectFrom('users')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row && toUser(row);
}

/**
 * Records an interactive sign-in: the first ever, and the start of the registration window of
 * security defaults (SPEC §5), each set once by a conditional UPDATE so concurrent sign-ins agree.
 * Returns when the window began.
 */
export async function markInteractiveSignIn(db: Db, user: User, now: number): Promise<number> {
  if (user.firstInteractiveSignInAt !== null && user.registrationWindowStartedAt !== null) {
    return user.registrationWindowStartedAt;
  }
  await db
    .updateTable('users')
    .set({
      first_interactive_sign_in_at: sql`coalesce(first_interactive_sign_in_at, ${now})`,
      registration_window_started_at: sql`coalesce(registration_window_started_at, ${now})`,
    })
    .where('tenant_id', '=', user.tenantId)
    .where('id', '=', user.id)
    .where((eb) =>
      eb.or([
        eb('first_interactive_sign_in_at', 'is', null),
        eb('registration_window_started_at', 'is', null),
      ]),
    )
    .execute();
  return (await getUser(db, user.tenantId, user.id))?.registrationWindowStartedAt ?? now;
}

/** The users of one tenant by name (for the Partner API's customer user list). */
export async function listUsers(db: Db, tenantId: string, limit = 500): Promise<User[]> {
  const rows = await db
    .selectFrom('users')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .orderBy('user_principal_name')
    .limit(limit)
    .execute();
  return rows.map(toUser);
}

/** A user by id, or by userPrincipalName as Graph allows in `/users/{id | userPrincipalName}`. */
export async function findUserByIdOrUpn(db: Db, tenantId: string, key: string): Promise<User | undefined> {
  return key.includes('@') ? findUserByUpn(db, tenantId, key) : getUser(db, tenantId, key);
}

/** The properties an administrator may change (Graph `PATCH /users/{id}`), plus the password state. */
export interface UserChanges {
  userPrincipalName?: string;
  displayName?: string;
  givenName?: string | null;
  surname?: string | null;
  accountEnabled?: boolean;
  directoryRoles?: DirectoryRole[];
  /** A new password: its hash and when it was set (Warden's clock). */
  password?: { hash: string; changedAt: number };
  passwordChangeRequired?: boolean;
  profile?: Partial<UserProfile>;
}

/** Writes the given changes to one user of the tenant; false when there is no such user. */
export async function updateUser(
  db: Db,
  tenantId: string,
  id: string,
  changes: UserChanges,
): Promise<boolean> {
  const set: Partial<UserTable> = {};
  if (changes.userPrincipalName !== undefined)
    set.user_principal_name = changes.userPrincipalName.trim().toLowerCase();
  if (changes.displayName !== undefined) set.display_name = changes.displayName;
  if (changes.givenName !== undefined) set.given_name = changes.givenName;
  if (changes.surname !== undefined) set.surname = changes.surname;
  if (changes.accountEnabled !== undefined) set.account_enabled = changes.accountEnabled ? 1 : 0;
  if (changes.directoryRoles !== undefined) set.directory_roles = JSON.stringify(changes.directoryRoles);
  if (changes.password !== undefined) {
    set.password_hash = changes.password.hash;
    set.password_changed_at = changes.password.changedAt;
  }
  if (changes.passwordChangeRequired !== undefined)
    set.password_change_required = changes.passwordChangeRequired ? 1 : 0;
  Object.assign(set, profileColumns(changes.profile ?? {}));
  if (Object.keys(set).length === 0) return (await getUser(db, tenantId, id)) !== undefined;
  const result = await db
    .updateTable('users')
    .set(set)
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * What a sign-in flow keeps of the temporary password it proved (SPEC §9): a SHA-256 of the stored
 * hash, not the hash itself, so the flow row holds no password verifier. Enough to tell whether the
 * password is still the same one when the user submits the replacement.
 */
export function passwordHashFingerprint(passwordHash: string): string {
  return createHash('sha256').update(passwordHash).digest('base64url');
}

/**
 * The user's own replacement of a temporary password (SPEC §9): the new hash is stored and the
 * must-change flag cleared in one UPDATE, only while the temporary password proven in this sign-in
 * (`provenFingerprint`, from passwordHashFingerprint at the password step) is still the current one
 * and still must be changed. False when it no longer is: an admin reset it again (a second temporary
 * password) or it was changed elsewhere, so whoever knew the first one may not choose the next.
 */
export async function replaceTemporaryPassword(
  db: Db,
  tenantId: string,
  id: string,
  provenFingerprint: string,
  newHash: string,
  now: number,
): Promise<boolean> {
  const current = await getUser(db, tenantId, id);
  if (!current?.passwordHash || !current.passwordChangeRequired) return false;
  if (!safeEqual(passwordHashFingerprint(current.passwordHash), provenFingerprint)) return false;
  // Conditional on the hash just read: a reset landing between the read and this write updates no row.
  const result = await db
    .updateTable('users')
    .set({ password_hash: newHash, password_change_required: 0, password_changed_at: now })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('password_change_required', '=', 1)
    .where('password_hash', '=', current.passwordHash)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Holds the user's row until the transaction ends, so two transactions that check and then add a
 * method for one user run one after the other (PostgreSQL: READ COMMITTED would let both pass the
 * check). SQLite transactions already take the database's write lock when they begin.
 */
export async function lockUserRow(
  trx: Db,
  kind: 'sqlite' | 'postgres',
  tenantId: string,
  userId: string,
): Promise<void> {
  if (kind !== 'postgres') return;
  await trx
    .selectFrom('users')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', userId)
    .forUpdate()
    .execute();
}
