import type { WardenContext } from '../context.ts';
import { groupCarriesDelegatedAccess } from '../delegated-admin/delegated-access.ts';
import { inTransaction, isUniqueViolation } from '../storage/database.ts';
import { DirectoryError } from './directory-error.ts';
import {
  deleteGroupRows,
  deleteMember,
  type Group,
  getGroup,
  insertGroup,
  insertMember,
  renameGroup,
} from './groups.ts';
import { memberChangeRefusal, refuseIf } from './refusals.ts';
import { isPartnerAgentGroupName } from './roles.ts';
import type { User } from './users.ts';

/**
 * An administrator's changes to groups and their members (issue 4 item 1). The partner agent
 * groups AdminAgents, SalesAgents and HelpdeskAgents grant Partner Center roles (SPEC §1): they
 * cannot be deleted or renamed, no other group may take their names, and only a Global
 * Administrator changes who is in them.
 */

function duplicateName(name: string): DirectoryError {
  return new DirectoryError(
    'conflict',
    `Another object with the same value for property displayName already exists: ${name}.`,
  );
}

function reservedName(name: string): DirectoryError {
  return new DirectoryError(
    'invalid',
    `'${name}' is the name of a partner agent group, which grants Partner Center roles; choose another name.`,
  );
}

export async function requireGroup(ctx: WardenContext, tenantId: string, id: string): Promise<Group> {
  const group = await getGroup(ctx.db, tenantId, id);
  if (!group)
    throw new DirectoryError(
      'not_found',
      `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
    );
  return group;
}

export async function createDirectoryGroup(
  ctx: WardenContext,
  tenantId: string,
  displayName: string,
): Promise<Group> {
  if (isPartnerAgentGroupName(displayName)) throw reservedName(displayName);
  try {
    return await insertGroup(ctx.db, tenantId, displayName, ctx.clock.now());
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateName(displayName);
    throw error;
  }
}

export async function renameDirectoryGroup(
  ctx: WardenContext,
  group: Group,
  displayName: string,
): Promise<void> {
  if (displayName === group.displayName) return;
  if (isPartnerAgentGroupName(group.displayName))
    throw new DirectoryError(
      'invalid',
      `${group.displayName} is a partner agent group that grants Partner Center roles (SPEC §1); it cannot be renamed.`,
    );
  if (isPartnerAgentGroupName(displayName)) throw reservedName(displayName);
  try {
    await renameGroup(ctx.db, group.tenantId, group.id, displayName);
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateName(displayName);
    throw error;
  }
}

export async function deleteDirectoryGroup(ctx: WardenContext, group: Group): Promise<void> {
  if (isPartnerAgentGroupName(group.displayName))
    throw new DirectoryError(
      'invalid',
      `${group.displayName} is a partner agent group that grants Partner Center roles (SPEC §1); it cannot be deleted.`,
    );
  await inTransaction(ctx.db, (trx) => deleteGroupRows(trx, group.tenantId, group.id));
}

async function refuseMemberChange(ctx: WardenContext, actor: User | undefined, group: Group): Promise<void> {
  const carries = await groupCarriesDelegatedAccess(ctx.db, group.tenantId, group.id);
  refuseIf(memberChangeRefusal(actor, group, carries));
}

/** Graph `POST /groups/{id}/members/$ref`; the member is a user of the same tenant. */
export async function addGroupMember(
  ctx: WardenContext,
  actor: User | undefined,
  group: Group,
  member: User,
): Promise<void> {
  await refuseMemberChange(ctx, actor, group);
  try {
    await insertMember(ctx.db, group.tenantId, group.id, member.id);
  } catch (error) {
    // Graph's answer to a second add of the same member (also when two adds race).
    if (isUniqueViolation(error))
      throw new DirectoryError(
        'conflict',
        "One or more added object references already exist for the following modified properties: 'members'.",
      );
    throw error;
  }
}

/** Graph `DELETE /groups/{id}/members/{userId}/$ref`. */
export async function removeGroupMember(
  ctx: WardenContext,
  actor: User | undefined,
  group: Group,
  userId: string,
): Promise<void> {
  await refuseMemberChange(ctx, actor, group);
  if (!(await deleteMember(ctx.db, group.tenantId, group.id, userId)))
    throw new DirectoryError('not_found', `'${userId}' is not a member of this group.`);
}
