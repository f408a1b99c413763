import { randomUUID } from 'node:crypto';
import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { Db } from '../storage/database.ts';
import type { GroupTable } from '../storage/schema.ts';
import { type DbKind, type ListingInput, listingClauses } from './listing.ts';
import { PARTNER_AGENT_GROUPS, type PartnerAgentGroup } from './roles.ts';

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

export interface Group {
  tenantId: string;
  id: string;
  displayName: string;
  createdAt: number;
}

function toGroup(row: GroupTable): Group {
  return { tenantId: row.tenant_id, id: row.id, displayName: row.display_name, createdAt: row.created_at };
}

export type GroupCondition =
  | { field: 'displayName'; op: 'eq' | 'startswith'; value: string }
  | { field: 'id'; op: 'eq'; value: string };

function groupConditions(tenantId: string, conditions: GroupCondition[]): RawBuilder<SqlBool>[] {
  const out: RawBuilder<SqlBool>[] = [sql<SqlBool>`tenant_id = ${tenantId}`];
  for (const c of conditions) {
    if (c.field === 'id') {
      out.push(sql<SqlBool>`id = ${c.value}`);
      continue;
    }
    const value = c.value.toLowerCase();
    const column = sql<string>`lower(display_name)`;
    out.push(
      c.op === 'eq'
        ? sql<SqlBool>`${column} = ${value}`
        : sql<SqlBool>`substr(${column}, 1, ${[...value].length}) = ${value}`,
    );
  }
  return out;
}

/**
 * A page of the tenant's groups, in id order (keyset paging) or in a listing order with the id
 * breaking ties (listing.ts); names compare ignoring case.
 */
export async function queryGroups(
  db: Db,
  tenantId: string,
  input: {
    conditions: GroupCondition[];
    afterId?: string | undefined;
    listing?: ListingInput;
    dbKind?: DbKind;
    limit: number;
  },
): Promise<Group[]> {
  const listing: ListingInput = input.listing ?? (input.afterId ? { after: { id: input.afterId } } : {});
  const clauses = listingClauses(listing, input.dbKind ?? 'sqlite');
  let query = db.selectFrom('groups').selectAll();
  for (const c of [...groupConditions(tenantId, input.conditions), ...clauses.conditions])
    query = query.where(c);
  for (const o of clauses.orderBy) query = query.orderBy(o.expr, o.desc ? 'desc' : 'asc');
  const rows = await query.limit(input.limit).execute();
  return rows.map(toGroup);
}

/** How many of the tenant's groups match (Graph `$count`). */
export async function countGroups(
  db: Db,
  tenantId: string,
  input: { conditions: GroupCondition[]; listing?: ListingInput },
): Promise<number> {
  const { conditions } = listingClauses({ search: input.listing?.search }, 'sqlite');
  let query = db.selectFrom('groups').select((eb) => eb.fn.countAll<number | string>().as('n'));
  for (const c of [...groupConditions(tenantId, input.conditions), ...conditions]) query = query.where(c);
  return Number((await query.executeTakeFirstOrThrow()).n);
}

export async function getGroup(db: Db, tenantId: string, id: string): Promise<Group | undefined> {
  const row = await db
    .selectFrom('groups')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row && toGroup(row);
}

/** Inserts a group; a taken name surfaces as the unique index's violation (the caller maps it). */
export async function insertGroup(
  db: Db,
  tenantId: string,
  displayName: string,
  now: number,
): Promise<Group> {
  const row: GroupTable = {
    tenant_id: tenantId,
    id: randomUUID(),
    display_name: displayName,
    created_at: now,
  };
  await db.insertInto('groups').values(row).execute();
  return toGroup(row);
}

export async function renameGroup(db: Db, tenantId: string, id: string, displayName: string): Promise<void> {
  await db
    .updateTable('groups')
    .set({ display_name: displayName })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .execute();
}

/** Deletes a group and its memberships (in the caller's transaction when given one). */
export async function deleteGroupRows(db: Db, tenantId: string, id: string): Promise<void> {
  await db.deleteFrom('group_members').where('tenant_id', '=', tenantId).where('group_id', '=', id).execute();
  await db.deleteFrom('groups').where('tenant_id', '=', tenantId).where('id', '=', id).execute();
}

/** A page of a group's members (users) in id order. */
export async function queryMembers(
  db: Db,
  tenantId: string,
  groupId: string,
  input: { afterId?: string | undefined; limit: number },
): Promise<string[]> {
  let query = db
    .selectFrom('group_members')
    .select('user_id')
    .where('tenant_id', '=', tenantId)
    .where('group_id', '=', groupId);
  if (input.afterId !== undefined) query = query.where('user_id', '>', input.afterId);
  const rows = await query.orderBy('user_id').limit(input.limit).execute();
  return rows.map((r) => r.user_id);
}

/** Adds a member; an existing membership surfaces as the primary key's violation. */
export async function insertMember(db: Db, tenantId: string, groupId: string, userId: string): Promise<void> {
  await db
    .insertInto('group_members')
    .values({ tenant_id: tenantId, group_id: groupId, user_id: userId })
    .execute();
}

/** Removes a member; false when the user was not one. */
export async function deleteMember(
  db: Db,
  tenantId: string,
  groupId: string,
  userId: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom('group_members')
    .where('tenant_id', '=', tenantId)
    .where('group_id', '=', groupId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

/**
 * The partner agent groups (SPEC §1) the user belongs to, whether or not the account is enabled:
 * membership grants Partner Center rights, so it makes the user privileged for the directory's
 * authority checks (a disabled agent re-enabled by the wrong administrator is still a takeover).
 */
export async function agentGroupsOf(db: Db, tenantId: string, userId: string): Promise<PartnerAgentGroup[]> {
  const rows = await db
    .selectFrom('group_members')
    .innerJoin('groups', (join) =>
      join
        .onRef('groups.tenant_id', '=', 'group_members.tenant_id')
        .onRef('groups.id', '=', 'group_members.group_id'),
    )
    .select('groups.display_name')
    .where('group_members.tenant_id', '=', tenantId)
    .where('group_members.user_id', '=', userId)
    .where('groups.display_name', 'in', [...PARTNER_AGENT_GROUPS])
    .execute();
  return rows.map((r) => r.display_name as PartnerAgentGroup);
}
