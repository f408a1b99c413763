import type { WardenContext } from '../context.ts';
import { isGuid } from '../guid.ts';
import { type Db, inTransaction } from '../storage/database.ts';
import { DirectoryError } from './directory-error.ts';
import { assertAnotherGlobalAdministrator, lockTenantDirectory } from './global-administrators.ts';
import { DIRECTORY_ROLES, type DirectoryRole, ROLE_DEFINITIONS } from './roles.ts';
import { getUser, type User, updateUser } from './users.ts';

/**
 * Directory role assignments (Graph `unifiedRoleAssignment`, issue 4 item 1). Storage stays the
 * user's `directory_roles` list; an assignment is one (role, user) pair of it, tenant-wide
 * (`directoryScopeId` "/").
 */
export interface RoleAssignment {
  id: string;
  role: DirectoryRole;
  principalId: string;
}

function guidBytes(guid: string): Buffer {
  return Buffer.from(guid.replaceAll('-', ''), 'hex');
}

function guidOf(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The assignment id: base64url of the role's template id and the user's id (32 bytes), as Entra's
 * ids are. Stable for the same pair, opaque to clients, and decodable without a table of its own.
 */
export function assignmentIdOf(role: DirectoryRole, userId: string): string {
  return Buffer.concat([guidBytes(ROLE_DEFINITIONS[role].templateId), guidBytes(userId)]).toString(
    'base64url',
  );
}

export function parseAssignmentId(id: string): { role: DirectoryRole; userId: string } | undefined {
  if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
  const bytes = Buffer.from(id, 'base64url');
  if (bytes.length !== 32) return undefined;
  const templateId = guidOf(bytes.subarray(0, 16));
  const userId = guidOf(bytes.subarray(16));
  const role = DIRECTORY_ROLES.find((r) => ROLE_DEFINITIONS[r].templateId === templateId);
  return role && isGuid(userId) ? { role, userId } : undefined;
}

function assignmentsOf(user: Pick<User, 'id' | 'directoryRoles'>): RoleAssignment[] {
  // In DIRECTORY_ROLES order, so a user's assignments always come in the same order.
  return DIRECTORY_ROLES.filter((r) => user.directoryRoles.includes(r)).map((role) => ({
    id: assignmentIdOf(role, user.id),
    role,
    principalId: user.id,
  }));
}

/**
 * A page of the tenant's assignments, ordered by (user id, role order), after `after` (the key of
 * the last one served). Each user read holds at least one assignment that passes the filter, so
 * `limit + 1` users always give enough assignments.
 */
export async function queryRoleAssignments(
  db: Db,
  tenantId: string,
  input: {
    principalId?: string | undefined;
    role?: DirectoryRole | undefined;
    after?: { userId: string; roleIndex: number } | undefined;
    limit: number;
  },
): Promise<{ assignment: RoleAssignment; key: [string, number] }[]> {
  let query = db
    .selectFrom('users')
    .select(['id', 'directory_roles'])
    .where('tenant_id', '=', tenantId)
    .where('directory_roles', '!=', '[]');
  if (input.principalId !== undefined) query = query.where('id', '=', input.principalId);
  if (input.role !== undefined)
    query = query.where('directory_roles', 'like', `%${JSON.stringify(input.role)}%`);
  if (input.after !== undefined) query = query.where('id', '>=', input.after.userId);
  const rows = await query
    .orderBy('id')
    .limit(input.limit + 1)
    .execute();
  const out: { assignment: RoleAssignment; key: [string, number] }[] = [];
  for (const row of rows) {
    const user = { id: row.id, directoryRoles: JSON.parse(row.directory_roles) as DirectoryRole[] };
    for (const assignment of assignmentsOf(user)) {
      if (input.role !== undefined && assignment.role !== input.role) continue;
      const key: [string, number] = [row.id, DIRECTORY_ROLES.indexOf(assignment.role)];
      if (input.after && row.id === input.after.userId && key[1] <= input.after.roleIndex) continue;
      out.push({ assignment, key });
    }
  }
  return out.slice(0, input.limit);
}

export async function getRoleAssignment(
  db: Db,
  tenantId: string,
  id: string,
): Promise<RoleAssignment | undefined> {
  const parsed = parseAssignmentId(id);
  if (!parsed) return undefined;
  const user = await getUser(db, tenantId, parsed.userId);
  if (!user?.directoryRoles.includes(parsed.role)) return undefined;
  return { id, role: parsed.role, principalId: user.id };
}

function notFound(what: string): DirectoryError {
  return new DirectoryError(
    'not_found',
    `Resource '${what}' does not exist or one of its queried reference-property objects are not present.`,
  );
}

/**
 * Assigns a role to a user of the tenant. The tenant's directory lock (see global-administrators.ts)
 * serialises role changes, so two concurrent changes to one user's role list cannot lose each other.
 */
export async function assignRole(
  ctx: WardenContext,
  tenantId: string,
  principalId: string,
  role: DirectoryRole,
): Promise<RoleAssignment> {
  return inTransaction(ctx.db, async (trx) => {
    await lockTenantDirectory(trx, tenantId);
    const user = await getUser(trx, tenantId, principalId);
    if (!user) throw notFound(principalId);
    if (user.directoryRoles.includes(role))
      throw new DirectoryError(
        'conflict',
        `${user.userPrincipalName} already holds ${role}: a conflicting object with the same values is present.`,
      );
    await updateUser(trx, tenantId, user.id, { directoryRoles: [...user.directoryRoles, role] });
    return { id: assignmentIdOf(role, user.id), role, principalId: user.id };
  });
}

/** Removes an assignment; never the last enabled Global Administrator's. */
export async function removeRoleAssignment(ctx: WardenContext, tenantId: string, id: string): Promise<void> {
  const parsed = parseAssignmentId(id);
  if (!parsed) throw notFound(id);
  await inTransaction(ctx.db, async (trx) => {
    await lockTenantDirectory(trx, tenantId);
    const user = await getUser(trx, tenantId, parsed.userId);
    if (!user?.directoryRoles.includes(parsed.role)) throw notFound(id);
    if (parsed.role === 'Global Administrator' && user.accountEnabled)
      await assertAnotherGlobalAdministrator(trx, tenantId, user.id);
    await updateUser(trx, tenantId, user.id, {
      directoryRoles: user.directoryRoles.filter((r) => r !== parsed.role),
    });
  });
}
