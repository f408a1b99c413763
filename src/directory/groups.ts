import type { Db } from '../storage/database.ts';

export async function addGroupMemberByName(
  db: Db,
  tenantId: string,
  groupName: string,
  userId: string,
): Promise<void> {
  const group = await db
    .selectFrom('groups')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('display_name', '=', groupName)
    .executeTakeFirstOrThrow();
  await db
    .insertInto('group_members')
    .values({ tenant_id: tenantId, group_id: group.id, user_id: userId })
    .execute();
}

/** Names of the groups a user belongs to (Partner Center roles come from AdminAgents, SalesAgents, HelpdeskAgents). */
export async function groupNamesOf(db: Db, tenantId: string, userId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('group_members')
    .innerJoin('groups', (j) =>
      j
        .onRef('groups.tenant_id', '=', 'group_members.tenant_id')
        .onRef('groups.id', '=', 'group_members.group_id'),
    )
    .select('groups.display_name')
    .where('group_members.tenant_id', '=', tenantId)
    .where('group_members.user_id', '=', userId)
    .execute();
  return rows.map((r) => r.display_name);
}

export async function listGroups(db: Db, tenantId: string): Promise<{ id: string; displayName: string }[]> {
  const rows = await db
    .selectFrom('groups')
    .select(['id', 'display_name'])
    .where('tenant_id', '=', tenantId)
    .orderBy('display_name')
    .execute();
  return rows.map((r) => ({ id: r.id, displayName: r.display_name }));
}
