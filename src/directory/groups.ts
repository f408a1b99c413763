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
