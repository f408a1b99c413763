import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { listRequests, requestAction } from '../../delegated-admin/relationships.ts';
import { GraphError } from '../../errors/graph-errors.ts';
import { checkIfMatchWhenSent, etagOf } from '../etags.ts';
import { graphCallerOf } from '../gate.ts';
import { parseQuery } from '../odata.ts';
import { sendEntity } from '../responses.ts';
import { sendSubPage } from './delegated-admin-pages.ts';
import { requireRelationship } from './delegated-admin-relationships.ts';
import { CREATE_REQUEST } from './delegated-admin-schemas.ts';
import {
  auditActorOf,
  plainShape,
  RELATIONSHIPS,
  REQUEST_PROPERTIES,
  requestEntity,
} from './delegated-admin-shape.ts';

const REQUEST_SHAPE = plainShape('microsoft.graph.delegatedAdminRelationshipRequest', REQUEST_PROPERTIES);

type Params = { Params: { id: string } };

/**
 * Graph's `requests` of a relationship (reference §1.4): the partner's `lockForApproval` and
 * `terminate`. Warden carries a request out at once, in the same transaction, so a request is
 * answered `succeeded` (Graph answers `created` and works on it); a refused one changes nothing.
 */
export function delegatedAdminRequestsRoutes(api: FastifyInstance, ctx: WardenContext): void {
  const path = `/${RELATIONSHIPS}/:id/requests`;
  const resource = (id: string) => `${RELATIONSHIPS}('${id}')/requests`;

  api.post<Params & { Body: { action: 'lockForApproval' | 'terminate' } }>(
    path,
    {
      config: {
        graph: {
          operation: 'delegatedAdminRelationships.requests.create',
          permission: 'delegatedAdmin.write',
        },
      },
      schema: { body: CREATE_REQUEST },
    },
    async (req, reply) => {
      const caller = graphCallerOf(req);
      const current = await requireRelationship(ctx, caller.tenantId, req.params.id);
      // The docs do not require If-Match here; CIPP sends it, and when sent it is honoured.
      checkIfMatchWhenSent(req, etagOf(current.id, current.version));
      const { request } = await requestAction(
        ctx.db,
        caller.tenantId,
        current.id,
        req.body.action,
        {
          ifVersion: req.headers['if-match'] === undefined ? undefined : current.version,
          by: await auditActorOf(ctx, caller),
        },
        ctx.clock.now(),
      );
      reply.header(
        'Location',
        `${ctx.config.baseUrl}/v1.0/${RELATIONSHIPS}/${current.id}/requests/${request.id}`,
      );
      return sendEntity(reply, {
        baseUrl: ctx.config.baseUrl,
        resource: `${resource(current.id)}/$entity`,
        entity: requestEntity(request),
        status: 201,
      });
    },
  );

  api.get<Params>(
    path,
    {
      config: {
        graph: { operation: 'delegatedAdminRelationships.requests.list', permission: 'delegatedAdmin.read' },
      },
    },
    async (req, reply) => {
      const { tenantId } = graphCallerOf(req);
      const query = parseQuery(req.query, REQUEST_SHAPE, { defaultTop: 100, maxTop: 300 });
      const relationship = await requireRelationship(ctx, tenantId, req.params.id);
      const requests = await listRequests(ctx.db, tenantId, relationship.id);
      return sendSubPage(req, reply, {
        baseUrl: ctx.config.baseUrl,
        resource: resource(relationship.id),
        rows: requests.map(requestEntity),
        query,
      });
    },
  );

  api.get<{ Params: { id: string; requestId: string } }>(
    `${path}/:requestId`,
    {
      config: {
        graph: { operation: 'delegatedAdminRelationships.requests.get', permission: 'delegatedAdmin.read' },
      },
    },
    async (req, reply) => {
      const { tenantId } = graphCallerOf(req);
      const query = parseQuery(req.query, REQUEST_SHAPE);
      const relationship = await requireRelationship(ctx, tenantId, req.params.id);
      const request = (await listRequests(ctx.db, tenantId, relationship.id)).find(
        (r) => r.id === req.params.requestId.toLowerCase(),
      );
      if (!request)
        throw new GraphError(
          'Request_ResourceNotFound',
          `No request '${req.params.requestId}' on this relationship.`,
        );
      return sendEntity(reply, {
        baseUrl: ctx.config.baseUrl,
        resource: `${resource(relationship.id)}/$entity`,
        entity: requestEntity(request),
        ...(query.select ? { select: query.select } : {}),
      });
    },
  );
}
