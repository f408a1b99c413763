import type { AuditActor } from '../../audit/audit-events.ts';
import type { WardenContext } from '../../context.ts';
import type { AccessAssignment, RelationshipOperation } from '../../delegated-admin/access-assignments.ts';
import type { Relationship, RelationshipRequest } from '../../delegated-admin/relationships.ts';
import { getApplication } from '../../directory/applications.ts';
import { getTenant } from '../../directory/tenants.ts';
import { etagOf } from '../etags.ts';
import type { GraphCaller } from '../gate.ts';
import type { ResourceShape } from '../odata.ts';

/**
 * GDAP objects in Microsoft Graph's shapes (reference §1.2, §1.4–1.6): `delegatedAdminRelationship`,
 * its `requests`, `accessAssignments` and `operations`. Times are ISO 8601 UTC to the second, as in
 * Warden's other Graph routes; ids are Warden's own (treat them as opaque).
 */

export const RELATIONSHIPS = 'tenantRelationships/delegatedAdminRelationships';

/** The `$filter` and `$select` view of a relationship (§1.1: filter on status and customer). */
export const RELATIONSHIP_SHAPE: ResourceShape = {
  type: 'microsoft.graph.delegatedAdminRelationship',
  properties: {
    id: { type: 'string' },
    displayName: { type: 'string' },
    duration: { type: 'string' },
    customer: { type: 'string' },
    'customer/tenantId': { type: 'guid', filter: ['eq'] },
    accessDetails: { type: 'string' },
    status: { type: 'string', filter: ['eq'] },
    autoExtendDuration: { type: 'string' },
    createdDateTime: { type: 'dateTime' },
    activatedDateTime: { type: 'dateTime' },
    endDateTime: { type: 'dateTime' },
    lastModifiedDateTime: { type: 'dateTime' },
  },
};

/** No `$filter` on the sub-resources; `$select` of their own properties. */
export function plainShape(type: string, names: readonly string[]): ResourceShape {
  return { type, properties: Object.fromEntries(names.map((name) => [name, { type: 'string' as const }])) };
}

export function isoOf(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function unifiedRoles(roleTemplateIds: readonly string[]) {
  return { unifiedRoles: roleTemplateIds.map((roleDefinitionId) => ({ roleDefinitionId })) };
}

/**
 * A relationship as Graph shows it. `endDateTime` is the planned end (activation + duration, moved by
 * each auto-extension) once active, the moment it ended for a terminated one, null before; a
 * relationship naming no customer shows `customer: null` until a customer answers it.
 */
export function relationshipEntity(relationship: Relationship, customerName: string | null) {
  const ended = relationship.status === 'terminated' ? relationship.endedAt : relationship.endsAt;
  return {
    '@odata.etag': etagOf(relationship.id, relationship.version),
    id: relationship.id,
    displayName: relationship.displayName,
    duration: relationship.duration,
    customer:
      relationship.customerTenantId === null
        ? null
        : { tenantId: relationship.customerTenantId, displayName: customerName },
    accessDetails: unifiedRoles(relationship.roleTemplateIds),
    status: relationship.status,
    autoExtendDuration: relationship.autoExtendDuration,
    createdDateTime: isoOf(relationship.createdAt),
    activatedDateTime: isoOf(relationship.activatedAt),
    endDateTime: isoOf(ended),
    lastModifiedDateTime: isoOf(relationship.lastModifiedAt),
  };
}

/** The display names of the customers' tenants the relationships name (§1.2: "comes from Entra"). */
export async function customerNamesOf(
  ctx: WardenContext,
  relationships: readonly Relationship[],
): Promise<Map<string, string>> {
  const ids = [...new Set(relationships.flatMap((r) => (r.customerTenantId ? [r.customerTenantId] : [])))];
  const names = new Map<string, string>();
  for (const id of ids) {
    const tenant = await getTenant(ctx.db, id);
    if (tenant) names.set(id, tenant.display_name);
  }
  return names;
}

export async function relationshipEntities(ctx: WardenContext, relationships: readonly Relationship[]) {
  const names = await customerNamesOf(ctx, relationships);
  return relationships.map((r) =>
    relationshipEntity(r, r.customerTenantId ? (names.get(r.customerTenantId) ?? null) : null),
  );
}

export const REQUEST_PROPERTIES = ['id', 'action', 'status', 'createdDateTime', 'lastModifiedDateTime'];

export function requestEntity(request: RelationshipRequest) {
  return {
    id: request.id,
    action: request.action,
    status: request.status,
    createdDateTime: isoOf(request.createdAt),
    lastModifiedDateTime: isoOf(request.lastModifiedAt),
  };
}

export const ASSIGNMENT_PROPERTIES = [
  'id',
  'accessContainer',
  'accessDetails',
  'status',
  'createdDateTime',
  'lastModifiedDateTime',
];

export function assignmentEntity(assignment: AccessAssignment) {
  return {
    '@odata.etag': etagOf(assignment.id, assignment.version),
    id: assignment.id,
    accessContainer: { accessContainerId: assignment.groupId, accessContainerType: 'securityGroup' },
    accessDetails: unifiedRoles(assignment.roleTemplateIds),
    status: assignment.status,
    createdDateTime: isoOf(assignment.createdAt),
    lastModifiedDateTime: isoOf(assignment.lastModifiedAt),
  };
}

export const OPERATION_PROPERTIES = [
  'id',
  'operationType',
  'status',
  'data',
  'createdDateTime',
  'lastModifiedDateTime',
];

export function operationEntity(operation: RelationshipOperation) {
  return {
    id: operation.id,
    operationType: operation.operationType,
    status: operation.status,
    data: operation.data,
    createdDateTime: isoOf(operation.createdAt),
    lastModifiedDateTime: isoOf(operation.lastModifiedAt),
  };
}

/** Who made a change, for both tenants' audit logs: the Admin agent's UPN or the application's name. */
export async function auditActorOf(ctx: WardenContext, caller: GraphCaller): Promise<AuditActor> {
  const appId = caller.caller.appId;
  if (caller.user)
    return {
      tenantId: caller.tenantId,
      userId: caller.user.id,
      appId,
      name: caller.user.userPrincipalName,
    };
  const application = await getApplication(ctx.db, caller.tenantId, appId);
  return { tenantId: caller.tenantId, userId: null, appId, name: application?.displayName ?? appId };
}

/** `$select` keeps the ETag, as Graph does. */
export function withEtag(select: string[] | undefined): string[] | undefined {
  return select ? ['@odata.etag', ...select] : undefined;
}
