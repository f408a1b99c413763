import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../../context.ts';
import {
  type AccessAssignment,
  createAssignment,
  deleteAssignment,
  getAssignment,
  listAssignments,
  updateAssignment,
} from '../../delegated-admin/access-assignments.ts';
import { GraphError } from '../../errors/graph-errors.ts';
import { etagOf, requireIfMatch } from '../etags.ts';
import { graphCallerOf } from '../gate.ts';
import { parseQuery } from '../odata.ts';
import { sendEntity } from '../responses.ts';
import { sendSubPage } from './delegated-admin-pages.ts';
import { requireRelationship } from './delegated-admin-relationships.ts';
import {
  type AccessDetailsBody,
  CREATE_ASSIGNMENT,
  roleIdsOf,
  UPDATE_ASSIGNMENT,
} from './delegated-admin-schemas.ts';
import {
  ASSIGNMENT_PROPERTIES,
  assignmentEntity,
  auditActorOf,
  plainShape,
  RELATIONSHIPS,
  withEtag,
} from './delegated-admin-shape.ts';

const ASSIGNMENT_SHAPE = plainShape('microsoft.graph.delegatedAdminAccessAssignment', ASSIGNMENT_PROPERTIES);

type Params = { Params: { id: string; assignmentId: string } };

/**
 * Graph's `accessAssignments` of a relationship (reference §1.5): one security group of the
 * partner's tenant each, roles a subset of the relationship's, `pending` → `active`; a change of
 * roles is a long-running operation (202 + `Location` of the operation + `Retry-After`).
 */
export function delegatedAdminAssignmentsRoutes(api: FastifyInstance, ctx: WardenContext): void {
  const path = `/${RELATIONSHIPS}/:id/accessAssignments`;
  const resource = (id: string) => `${RELATIONSHIPS}('${id}')/accessAssignments`;
  const send = (
    relationshipId: string,
    reply: Parameters<typeof sendEntity>[0],
    assignment: AccessAssignment,
    status?: number,
    select?: string[],
  ) => {
    const selected = withEtag(select);
    return sendEntity(reply, {
      baseUrl: ctx.config.baseUrl,
      resource: `${resource(relationshipId)}/$entity`,
      entity: assignmentEntity(assignment),
      ...(selected ? { select: selected } : {}),
      ...(status ? { status } : {}),
    });
  };
  const requireAssignment = async (tenantId: string, relationshipId: string, id: string) => {
    const assignment = await getAssignment(ctx.db, tenantId, relationshipId, id);
    if (!assignment)
      throw new GraphError('Request_ResourceNotFound', `No access assignment '${id}' on this relationship.`);
    return assignment;
  };

  api.post<{
    Params: { id: string };
    Body: { accessContainer: { accessContainerId: string }; accessDetails: AccessDetailsBody };
  }>(
    path,
    {
      config: {
        graph: {
          operation: 'delegatedAdminRelationships.accessAssignments.create',
          permission: 'delegatedAdmin.write',
        },
      },
      schema: { body: CREATE_ASSIGNMENT },
    },
    async (req, reply) => {
      const caller = graphCallerOf(req);
      const relationship = await requireRelationship(ctx, caller.tenantId, req.params.id);
      const assignment = await createAssignment(
        ctx.db,
        caller.tenantId,
        relationship.id,
        {
          groupId: req.body.accessContainer.accessContainerId,
          roleTemplateIds: roleIdsOf(req.body.accessDetails),
        },
        await auditActorOf(ctx, caller),
        ctx.clock.now(),
      );
      reply.header(
        'Location',
        `${ctx.config.baseUrl}/v1.0/${RELATIONSHIPS}/${relationship.id}/accessAssignments/${assignment.id}`,
      );
      return send(relationship.id, reply, assignment, 201);
    },
  );

  api.get<{ Params: { id: string } }>(
    path,
    {
      config: {
        graph: {
          operation: 'delegatedAdminRelationships.accessAssignments.list',
          permission: 'delegatedAdmin.read',
        },
      },
    },
    async (req, reply) => {
      const { tenantId } = graphCallerOf(req);
      const query = parseQuery(req.query, ASSIGNMENT_SHAPE, { defaultTop: 100, maxTop: 300 });
      const relationship = await requireRelationship(ctx, tenantId, req.params.id);
      const assignments = await listAssignments(ctx.db, tenantId, relationship.id);
      return sendSubPage(req, reply, {
        baseUrl: ctx.config.baseUrl,
        resource: resource(relationship.id),
        rows: assignments.map(assignmentEntity),
        query: { ...query, select: withEtag(query.select) },
      });
    },
  );

  api.get<Params>(
    `${path}/:assignmentId`,
    {
      config: {
        graph: {
          operation: 'delegatedAdminRelationships.accessAssignments.get',
          permission: 'delegatedAdmin.read',
        },
      },
    },
    async (req, reply) => {
      const { tenantId } = graphCallerOf(req);
      const query = parseQuery(req.query, ASSIGNMENT_SHAPE);
      const relationship = await requireRelationship(ctx, tenantId, req.params.id);
      const assignment = await requireAssignment(tenantId, relationship.id, req.params.assignmentId);
      return send(relationship.id, reply, assignment, undefined, query.select);
    },
  );

  api.patch<Params & { Body: { accessDetails: AccessDetailsBody } }>(
    `${path}/:assignmentId`,
    {
      config: {
        graph: {
          operation: 'delegatedAdminRelationships.accessAssignments.update',
          permission: 'delegatedAdmin.write',
        },
      },
      schema: { body: UPDATE_ASSIGNMENT },
    },
    async (req, reply) => {
      const caller = graphCallerOf(req);
      const relationship = await requireRelationship(ctx, caller.tenantId, req.params.id);
      const current = await requireAssignment(caller.tenantId, relationship.id, req.params.assignmentId);
      requireIfMatch(req, etagOf(current.id, current.version));
      const result = await updateAssignment(
        ctx.db,
        caller.tenantId,
        relationship.id,
        current.id,
        { roleTemplateIds: roleIdsOf(req.body.accessDetails), ifVersion: current.version },
        await auditActorOf(ctx, caller),
        ctx.clock.now(),
      );
      // §1.5: nothing differs → 200 with the object; otherwise 202, the operation's URL, Retry-After.
      if (!result.changed) return send(relationship.id, reply, result.assignment);
      return reply
        .code(202)
        .header(
          'Location',
          `${ctx.config.baseUrl}/v1.0/${RELATIONSHIPS}/${relationship.id}/operations/${result.operation.id}`,
        )
        .header('Retry-After', '10')
        .send({});
    },
  );

  api.delete<Params>(
    `${path}/:assignmentId`,
    {
      config: {
        graph: {
          operation: 'delegatedAdminRelationships.accessAssignments.delete',
          permission: 'delegatedAdmin.write',
        },
      },
    },
    async (req, reply) => {
      const caller = graphCallerOf(req);
      const relationship = await requireRelationship(ctx, caller.tenantId, req.params.id);
      const current = await requireAssignment(caller.tenantId, relationship.id, req.params.assignmentId);
      requireIfMatch(req, etagOf(current.id, current.version));
      await deleteAssignment(
        ctx.db,
        caller.tenantId,
        relationship.id,
        current.id,
        { ifVersion: current.version },
        await auditActorOf(ctx, caller),
        ctx.clock.now(),
      );
      return reply.code(204).send();
    },
  );
}
