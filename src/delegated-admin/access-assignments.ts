import { randomUUID } from 'node:crypto';
import { type AuditActor, recordAuditEvent } from '../audit/audit-events.ts';
import { getGroup } from '../directory/groups.ts';
import { isGuid } from '../guid.ts';
import { type Db, inTransaction, isUniqueViolation } from '../storage/database.ts';
import type { DelegatedAdminAccessAssignmentTable, DelegatedAdminOperationTable } from '../storage/schema.ts';
import { AUDIT_CATEGORY, DelegatedAdminError, getRelationship, type Relationship } from './relationships.ts';

/**
 * Access assignments of a GDAP relationship (reference §1.5): one security group of the partner's
 * tenant per assignment, given roles from the relationship's own. An assignment is written
 * `pending` and then provisioned to `active` (Warden's provisioning is its own database, so this
 * follows at once; `provisionPendingAssignments` finishes any a crash left behind). Role changes
 * are long-running operations in Graph (202 + an operation); Warden records the operation and
 * completes it in the same transaction.
 */

export type AssignmentStatus = DelegatedAdminAccessAssignmentTable['status'];

export interface AccessAssignment {
  partnerTenantId: string;
  relationshipId: string;
  id: string;
  groupId: string;
  roleTemplateIds: string[];
  status: AssignmentStatus;
  version: number;
  createdAt: number;
  lastModifiedAt: number;
}

export interface RelationshipOperation {
  id: string;
  relationshipId: string;
  operationType: DelegatedAdminOperationTable['operation_type'];
  status: DelegatedAdminOperationTable['status'];
  /** The target object, JSON-encoded (Graph's `data`). */
  data: string;
  createdAt: number;
  lastModifiedAt: number;
}

function toAssignment(row: DelegatedAdminAccessAssignmentTable): AccessAssignment {
  return {
    partnerTenantId: row.partner_tenant_id,
    relationshipId: row.relationship_id,
    id: row.id,
    groupId: row.group_id,
    roleTemplateIds: JSON.parse(row.roles) as string[],
    status: row.status,
    version: Number(row.version),
    createdAt: Number(row.created_at),
    lastModifiedAt: Number(row.last_modified_at),
  };
}

function toOperation(row: DelegatedAdminOperationTable): RelationshipOperation {
  return {
    id: row.id,
    relationshipId: row.relationship_id,
    operationType: row.operation_type,
    status: row.status,
    data: row.data,
    createdAt: Number(row.created_at),
    lastModifiedAt: Number(row.last_modified_at),
  };
}

/**
 * The relationship the assignment is made on: the partner's, active and not past its end. Called
 * in the change's transaction, it first locks the relationship's row (an UPDATE that changes
 * nothing), then reads it: a terminate or an expiry under way meanwhile either waits for this
 * change (and then deletes its assignment with the others) or has committed before the read (and
 * the change is refused) — never an assignment left, or provisioned, on an ended relationship.
 */
async function activeRelationship(
  db: Db,
  partnerTenantId: string,
  relationshipId: string,
  now: number,
  ifVersion?: number,
): Promise<Relationship> {
  await db
    .updateTable('delegated_admin_relationships')
    .set((eb) => ({ version: eb.ref('version') }))
    .where('partner_tenant_id', '=', partnerTenantId)
    .where('id', '=', relationshipId)
    .execute();
  const relationship = await getRelationship(db, { partnerTenantId }, relationshipId);
  if (!relationship) throw new DelegatedAdminError('not_found', `No relationship ${relationshipId}.`);
  // Read under the lock, so a caller that names the version it saw learns of any change since.
  if (ifVersion !== undefined && ifVersion !== relationship.version)
    throw new DelegatedAdminError('precondition_failed', 'The relationship changed since it was read.');
  if (relationship.status !== 'active' || (relationship.endsAt !== null && relationship.endsAt <= now))
    throw new DelegatedAdminError(
      'transition_refused',
      `Groups can be assigned only while the relationship is active (it is ${relationship.status}).`,
    );
  return relationship;
}

/** §1.5: the roles of an assignment are a non-empty subset of the relationship's. */
function checkRoles(relationship: Relationship, roleTemplateIds: readonly string[]): string[] {
  const roles = [...new Set(roleTemplateIds.map((role) => role.toLowerCase()))];
  if (roles.length === 0)
    throw new DelegatedAdminError('invalid', 'accessDetails.unifiedRoles must name at least one role.');
  const outside = roles.find((role) => !relationship.roleTemplateIds.includes(role));
  if (outside !== undefined)
    throw new DelegatedAdminError('invalid', `The role ${outside} is not one of the relationship's roles.`);
  return roles;
}

async function auditAssignment(
  db: Db,
  relationship: Relationship,
  assignment: AccessAssignment,
  activity: string,
  by: AuditActor,
  now: number,
): Promise<void> {
  await recordAuditEvent(
    db,
    [relationship.partnerTenantId, relationship.customerTenantId],
    {
      category: AUDIT_CATEGORY,
      activity,
      actor: by,
      target: { type: 'delegatedAdminAccessAssignment', id: assignment.id, name: relationship.displayName },
      details: {
        relationshipId: relationship.id,
        groupId: assignment.groupId,
        roles: assignment.roleTemplateIds,
      },
    },
    now,
  );
}

/** Creates an assignment (`pending`, as Graph answers the POST) and provisions it to `active`. */
export async function createAssignment(
  db: Db,
  partnerTenantId: string,
  relationshipId: string,
  input: {
    groupId: string;
    roleTemplateIds: readonly string[];
    /** The relationship's version the caller saw (an assignment does not change it). */
    ifRelationshipVersion?: number | undefined;
  },
  by: AuditActor,
  now: number,
): Promise<AccessAssignment> {
  const created = await inTransaction(db, async (trx) => {
    const relationship = await activeRelationship(
      trx,
      partnerTenantId,
      relationshipId,
      now,
      input.ifRelationshipVersion,
    );
    const roles = checkRoles(relationship, input.roleTemplateIds);
    // §1.5: a security group of the partner's own tenant.
    const group = isGuid(input.groupId)
      ? await getGroup(trx, partnerTenantId, input.groupId.toLowerCase())
      : undefined;
    if (!group)
      throw new DelegatedAdminError(
        'invalid',
        input.groupId
          ? `No security group ${input.groupId} in your tenant.`
          : 'Choose a security group of your tenant.',
      );
    const row: DelegatedAdminAccessAssignmentTable = {
      partner_tenant_id: partnerTenantId,
      relationship_id: relationship.id,
      id: randomUUID(),
      group_id: group.id,
      roles: JSON.stringify(roles),
      status: 'pending',
      version: 1,
      created_at: now,
      last_modified_at: now,
    };
    try {
      await trx.insertInto('delegated_admin_access_assignments').values(row).execute();
    } catch (error) {
      if (isUniqueViolation(error))
        throw new DelegatedAdminError(
          'conflict',
          'The resource already exists: this group is assigned already.',
        );
      throw error;
    }
    const assignment = toAssignment(row);
    await auditAssignment(trx, relationship, assignment, 'Access assignment created', by, now);
    return assignment;
  });
  await provisionPendingAssignments(db, now, relationshipId);
  return created;
}

/**
 * Provisioning: `pending` assignments of active relationships become `active` (one conditional
 * UPDATE, so running it twice or on two instances is harmless). Without `relationshipId`, all.
 */
export async function provisionPendingAssignments(
  db: Db,
  now: number,
  relationshipId?: string,
): Promise<number> {
  let query = db
    .updateTable('delegated_admin_access_assignments')
    .set((eb) => ({ status: 'active', version: eb('version', '+', 1), last_modified_at: now }))
    .where('status', '=', 'pending')
    .where('relationship_id', 'in', (eb) =>
      eb.selectFrom('delegated_admin_relationships').select('id').where('status', '=', 'active'),
    );
  if (relationshipId) query = query.where('relationship_id', '=', relationshipId);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function listAssignments(
  db: Db,
  partnerTenantId: string,
  relationshipId: string,
): Promise<AccessAssignment[]> {
  const rows = await db
    .selectFrom('delegated_admin_access_assignments')
    .selectAll()
    .where('partner_tenant_id', '=', partnerTenantId)
    .where('relationship_id', '=', relationshipId)
    .orderBy('created_at')
    .orderBy('id')
    .limit(300)
    .execute();
  return rows.map(toAssignment);
}

export async function getAssignment(
  db: Db,
  partnerTenantId: string,
  relationshipId: string,
  id: string,
): Promise<AccessAssignment | undefined> {
  if (!isGuid(id)) return undefined; // names nothing; PostgreSQL refuses a NUL
  const row = await db
    .selectFrom('delegated_admin_access_assignments')
    .selectAll()
    .where('partner_tenant_id', '=', partnerTenantId)
    .where('relationship_id', '=', relationshipId)
    .where('id', '=', id.toLowerCase())
    .executeTakeFirst();
  return row && toAssignment(row);
}

async function requireAssignment(
  db: Db,
  partnerTenantId: string,
  relationshipId: string,
  id: string,
  ifVersion: number | undefined,
): Promise<AccessAssignment> {
  const assignment = await getAssignment(db, partnerTenantId, relationshipId, id);
  if (!assignment || assignment.status === 'deleted')
    throw new DelegatedAdminError('not_found', `No access assignment ${id}.`);
  if (ifVersion !== undefined && ifVersion !== assignment.version)
    throw new DelegatedAdminError('precondition_failed', 'The assignment changed since it was read (ETag).');
  return assignment;
}

/**
 * §1.5 update: new roles for an assignment. Unchanged roles: `{ changed: false }` (Graph's 200 with
 * the object). Otherwise an operation is recorded and run at once (Graph's 202 + its Location).
 */
export async function updateAssignment(
  db: Db,
  partnerTenantId: string,
  relationshipId: string,
  id: string,
  input: { roleTemplateIds: readonly string[]; ifVersion?: number | undefined },
  by: AuditActor,
  now: number,
): Promise<
  { changed: false; assignment: AccessAssignment } | { changed: true; operation: RelationshipOperation }
> {
  return inTransaction(db, async (trx) => {
    const relationship = await activeRelationship(trx, partnerTenantId, relationshipId, now);
    const assignment = await requireAssignment(trx, partnerTenantId, relationshipId, id, input.ifVersion);
    const roles = checkRoles(relationship, input.roleTemplateIds);
    const same =
      roles.length === assignment.roleTemplateIds.length &&
      roles.every((role) => assignment.roleTemplateIds.includes(role));
    if (same) return { changed: false as const, assignment };
    const updated = await trx
      .updateTable('delegated_admin_access_assignments')
      .set({ roles: JSON.stringify(roles), version: assignment.version + 1, last_modified_at: now })
      .where('id', '=', assignment.id)
      .where('version', '=', assignment.version)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1)
      throw new DelegatedAdminError(
        'precondition_failed',
        'The assignment changed meanwhile; read it again.',
      );
    const after: AccessAssignment = {
      ...assignment,
      roleTemplateIds: roles,
      version: assignment.version + 1,
      lastModifiedAt: now,
    };
    const operation: DelegatedAdminOperationTable = {
      partner_tenant_id: partnerTenantId,
      relationship_id: relationship.id,
      id: randomUUID(),
      operation_type: 'delegatedAdminAccessAssignmentUpdate',
      status: 'succeeded',
      data: JSON.stringify({
        id: after.id,
        accessContainer: { accessContainerId: after.groupId, accessContainerType: 'securityGroup' },
        accessDetails: { unifiedRoles: roles.map((roleDefinitionId) => ({ roleDefinitionId })) },
        status: after.status,
      }),
      created_at: now,
      last_modified_at: now,
    };
    await trx.insertInto('delegated_admin_operations').values(operation).execute();
    await auditAssignment(trx, relationship, after, 'Access assignment updated', by, now);
    return { changed: true as const, operation: toOperation(operation) };
  });
}

/** §1.5 delete: the group loses the roles at once; the assignment is gone. */
export async function deleteAssignment(
  db: Db,
  partnerTenantId: string,
  relationshipId: string,
  id: string,
  input: { ifVersion?: number | undefined },
  by: AuditActor,
  now: number,
): Promise<void> {
  await inTransaction(db, async (trx) => {
    const relationship = await getRelationship(trx, { partnerTenantId }, relationshipId);
    if (!relationship) throw new DelegatedAdminError('not_found', `No relationship ${relationshipId}.`);
    const assignment = await requireAssignment(trx, partnerTenantId, relationshipId, id, input.ifVersion);
    const removed = await trx
      .deleteFrom('delegated_admin_access_assignments')
      .where('id', '=', assignment.id)
      .where('version', '=', assignment.version)
      .executeTakeFirst();
    if (Number(removed.numDeletedRows) !== 1)
      throw new DelegatedAdminError(
        'precondition_failed',
        'The assignment changed meanwhile; read it again.',
      );
    await auditAssignment(trx, relationship, assignment, 'Access assignment deleted', by, now);
  });
}

export async function listOperations(
  db: Db,
  partnerTenantId: string,
  relationshipId: string,
): Promise<RelationshipOperation[]> {
  const rows = await db
    .selectFrom('delegated_admin_operations')
    .selectAll()
    .where('partner_tenant_id', '=', partnerTenantId)
    .where('relationship_id', '=', relationshipId)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(300)
    .execute();
  return rows.map(toOperation);
}

export async function getOperation(
  db: Db,
  partnerTenantId: string,
  relationshipId: string,
  id: string,
): Promise<RelationshipOperation | undefined> {
  if (!isGuid(id)) return undefined; // names nothing; PostgreSQL refuses a NUL
  const row = await db
    .selectFrom('delegated_admin_operations')
    .selectAll()
    .where('partner_tenant_id', '=', partnerTenantId)
    .where('relationship_id', '=', relationshipId)
    .where('id', '=', id.toLowerCase())
    .executeTakeFirst();
  return row && toOperation(row);
}
