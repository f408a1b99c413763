import { randomUUID } from 'node:crypto';
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
}

function toUser(row: UserTable): User {
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
    created_at: now,
    password_change_required: 0,
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

/** SPEC §5: the 14-day registration window counts from the first interactive sign-in; set once. */
export async function markFirstInteractiveSignIn(db: Db, user: User, now: number): Promise<number> {
  if (user.firstInteractiveSignInAt !== null) return user.firstInteractiveSignInAt;
  await db
    .updateTable('users')
    .set({ first_interactive_sign_in_at: now })
    .where('tenant_id', '=', user.tenantId)
    .where('id', '=', user.id)
    .where('first_interactive_sign_in_at', 'is', null)
    .execute();
  return (await getUser(db, user.tenantId, user.id))?.firstInteractiveSignInAt ?? now;
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
