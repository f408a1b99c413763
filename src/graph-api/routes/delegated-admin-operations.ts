import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { getOperation, listOperations } from '../../delegated-admin/access-assignments.ts';
import { GraphError } from '../../errors/graph-errors.ts';
import { graphCallerOf } from '../gate.ts';
import { parseQuery } from '../odata.ts';
import { sendEntity } from '../responses.ts';
import { sendSubPage } from './delegated-admin-pages.ts';
import { requireRelationship } from './delegated-admin-relationships.ts';
import { OPERATION_PROPERTIES, operationEntity, plainShape, RELATIONSHIPS } from './delegated-admin-shape.ts';

const OPERATION_SHAPE = plainShape(
  'microsoft.graph.delegatedAdminRelationshipOperation',
  OPERATION_PROPERTIES,
);

/**
 * Graph's `operations` of a relationship (reference §1.6): the long-running changes a 202 pointed
 * to. Warden completes them in the transaction that records them, so each reads `succeeded`.
 */
export function delegatedAdminOperationsRoutes(api: FastifyInstance, ctx: WardenContext): void {
  const path = `/${RELATIONSHIPS}/:id/operations`;
  const resource = (id: string) => `${RELATIONSHIPS}('${id}')/operations`;

  api.get<{ Params: { id: string } }>(
    path,
    {
      config: {
        graph: {
          operation: 'delegatedAdminRelationships.operations.list',
          permission: 'delegatedAdmin.read',
        },
      },
    },
    async (req, reply) => {
      const { tenantId } = graphCallerOf(req);
      const query = parseQuery(req.query, OPERATION_SHAPE, { defaultTop: 100, maxTop: 300 });
      const relationship = await requireRelationship(ctx, tenantId, req.params.id);
      const operations = await listOperations(ctx.db, tenantId, relationship.id);
      return sendSubPage(req, reply, {
        baseUrl: ctx.config.baseUrl,
        resource: resource(relationship.id),
        rows: operations.map(operationEntity),
        query,
      });
    },
  );

  api.get<{ Params: { id: string; operationId: string } }>(
    `${path}/:operationId`,
    {
      config: {
        graph: { operation: 'delegatedAdminRelationships.operations.get', permission: 'delegatedAdmin.read' },
      },
    },
    async (req, reply) => {
      const { tenantId } = graphCallerOf(req);
      const query = parseQuery(req.query, OPERATION_SHAPE);
      const relationship = await requireRelationship(ctx, tenantId, req.params.id);
      const operation = await getOperation(ctx.db, tenantId, relationship.id, req.params.operationId);
      if (!operation)
        throw new GraphError(
          'Request_ResourceNotFound',
          `No operation '${req.params.operationId}' on this relationship.`,
        );
      return sendEntity(reply, {
        baseUrl: ctx.config.baseUrl,
        resource: `${resource(relationship.id)}/$entity`,
        entity: operationEntity(operation),
        ...(query.select ? { select: query.select } : {}),
      });
    },
  );
}
