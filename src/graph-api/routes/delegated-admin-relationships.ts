import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WardenContext } from '../../context.ts';
import {
  RELATIONSHIP_STATUSES,
  type RelationshipStatus,
} from '../../delegated-admin/relationship-lifecycle.ts';
import {
  applyEvent,
  createRelationship,
  getRelationship,
  isRelationshipId,
  listRelationships,
  type Relationship,
  updateRelationship,
} from '../../delegated-admin/relationships.ts';
import { GraphError } from '../../errors/graph-errors.ts';
import { etagOf, requireIfMatch } from '../etags.ts';
import { graphCallerOf } from '../gate.ts';
import { type ODataQuery, parseQuery } from '../odata.ts';
import { sendEntity, sendPage } from '../responses.ts';
import {
  CREATE_RELATIONSHIP,
  type RelationshipBody,
  roleIdsOf,
  UPDATE_RELATIONSHIP,
} from './delegated-admin-schemas.ts';
import {
  auditActorOf,
  RELATIONSHIP_SHAPE,
  RELATIONSHIPS,
  relationshipEntities,
  withEtag,
} from './delegated-admin-shape.ts';

/** §1.1: `$top` is at most 300 on this collection. */
const LIMITS = { defaultTop: 100, maxTop: 300 };

type Params = { Params: { id: string } };

/** The partner's relationship named by the path, or Graph's 404 (ids compare in lower case). */
export async function requireRelationship(
  ctx: WardenContext,
  partnerTenantId: string,
  id: string,
): Promise<Relationship> {
  const relationship = await getRelationship(ctx.db, { partnerTenantId }, id.toLowerCase());
  if (!relationship)
    throw new GraphError('Request_ResourceNotFound', `No delegatedAdminRelationship with the id '${id}'.`);
  return relationship;
}

async function sendRelationship(
  ctx: WardenContext,
  reply: FastifyReply,
  relationship: Relationship,
  options: { status?: number; select?: string[] | undefined } = {},
) {
  const [entity] = await relationshipEntities(ctx, [relationship]);
  const select = withEtag(options.select);
  return sendEntity(reply, {
    baseUrl: ctx.config.baseUrl,
    resource: `${RELATIONSHIPS}/$entity`,
    entity: entity!,
    ...(select ? { select } : {}),
    ...(options.status ? { status: options.status } : {}),
  });
}

/** `$filter` on status and customer/tenantId (eq), each at most once; `$select` of top-level names. */
function listFilter(query: ODataQuery): { status?: RelationshipStatus; customerTenantId?: string } {
  checkSelect(query);
  const filter: { status?: RelationshipStatus; customerTenantId?: string } = {};
  const seen = new Set<string>();
  for (const clause of query.filter) {
    if (seen.has(clause.property))
      throw new GraphError('Request_UnsupportedQuery', `Filter on '${clause.property}' once.`);
    seen.add(clause.property);
    if (typeof clause.value !== 'string')
      throw new GraphError('Request_UnsupportedQuery', `'${clause.property}' cannot be compared with null.`);
    if (clause.property === 'status') {
      if (!(RELATIONSHIP_STATUSES as readonly string[]).includes(clause.value))
        throw new GraphError(
          'Request_UnsupportedQuery',
          `'${clause.value}' is not a status; use one of ${RELATIONSHIP_STATUSES.join(', ')}.`,
        );
      filter.status = clause.value as RelationshipStatus;
    } else filter.customerTenantId = clause.value;
  }
  return filter;
}

function checkSelect(query: ODataQuery): void {
  if (query.select?.some((name) => name.includes('/')))
    throw new GraphError('Request_UnsupportedQuery', '$select takes top-level properties, e.g. customer.');
}

/** The `$skiptoken` key of this collection: created time and id of the last row served. */
function afterOf(query: ODataQuery): { createdAt: number; id: string } | undefined {
  if (!query.after) return undefined;
  const [createdAt, id] = query.after;
  // A key Warden wrote: a whole millisecond count and a relationship id (PostgreSQL would refuse a
  // fraction, a number beyond bigint or a NUL with a 500).
  if (!Number.isSafeInteger(createdAt) || !isRelationshipId(id) || query.after.length !== 2)
    throw new GraphError(
      'Request_UnsupportedQuery',
      '$skiptoken is not valid: follow @odata.nextLink as given.',
    );
  return { createdAt: createdAt as number, id };
}

/** What a PATCH body changes, in the domain's words (only the properties sent). */
function editsOf(body: RelationshipBody) {
  return {
    ...(body.displayName !== undefined ? { displayName: body.displayName } : {}),
    ...(body.duration !== undefined ? { duration: body.duration } : {}),
    ...(body.autoExtendDuration !== undefined ? { autoExtendDuration: body.autoExtendDuration } : {}),
    ...(body.customer !== undefined ? { customerTenantId: body.customer.tenantId } : {}),
    ...(body.accessDetails !== undefined ? { roleTemplateIds: roleIdsOf(body.accessDetails) } : {}),
  };
}

function locationOf(ctx: WardenContext, id: string): string {
  return `${ctx.config.baseUrl}/v1.0/${RELATIONSHIPS}/${id}`;
}

/**
 * Graph's `delegatedAdminRelationships` (SPEC §13, reference §1.1–1.3): create, list, get, PATCH
 * and DELETE, the partner's own only. Every rule of the lifecycle is the domain's
 * (src/delegated-admin/); these handlers translate Graph's shapes and ETags to it.
 */
export function delegatedAdminRelationshipsRoutes(api: FastifyInstance, ctx: WardenContext): void {
  const path = `/${RELATIONSHIPS}`;

  api.post<{ Body: RelationshipBody & { displayName: string; duration: string } }>(
    path,
    {
      config: {
        graph: { operation: 'delegatedAdminRelationships.create', permission: 'delegatedAdmin.write' },
      },
      schema: { body: CREATE_RELATIONSHIP },
    },
    async (req, reply) => {
      const caller = graphCallerOf(req);
      const body = req.body;
      const relationship = await createRelationship(
        ctx.db,
        caller.tenantId,
        {
          displayName: body.displayName,
          duration: body.duration,
          autoExtendDuration: body.autoExtendDuration,
          roleTemplateIds: roleIdsOf(body.accessDetails!),
          customerTenantId: body.customer?.tenantId,
        },
        ctx.clock.now(),
        await auditActorOf(ctx, caller),
      );
      reply.header('Location', locationOf(ctx, relationship.id));
      return sendRelationship(ctx, reply, relationship, { status: 201 });
    },
  );

  api.get(
    path,
    {
      config: { graph: { operation: 'delegatedAdminRelationships.list', permission: 'delegatedAdmin.read' } },
    },
    async (req, reply) => {
      const { tenantId } = graphCallerOf(req);
      const query = parseQuery(req.query, RELATIONSHIP_SHAPE, LIMITS);
      const relationships = await listRelationships(ctx.db, tenantId, {
        ...listFilter(query),
        after: afterOf(query),
        limit: query.top + 1,
      });
      const createdAt = new Map(relationships.map((r) => [r.id, r.createdAt]));
      const select = withEtag(query.select);
      return sendPage(req, reply, {
        baseUrl: ctx.config.baseUrl,
        resource: RELATIONSHIPS,
        rows: await relationshipEntities(ctx, relationships),
        query: { ...query, select },
        keyOf: (row) => [createdAt.get(row.id as string)!, row.id as string],
      });
    },
  );

  api.get<Params>(
    `${path}/:id`,
    {
      config: { graph: { operation: 'delegatedAdminRelationships.get', permission: 'delegatedAdmin.read' } },
    },
    async (req, reply) => {
      const { tenantId } = graphCallerOf(req);
      const query = parseQuery(req.query, RELATIONSHIP_SHAPE);
      checkSelect(query);
      if (query.filter.length > 0)
        throw new GraphError('Request_UnsupportedQuery', '$filter applies to the collection only.');
      return sendRelationship(ctx, reply, await requireRelationship(ctx, tenantId, req.params.id), {
        select: query.select,
      });
    },
  );

  api.patch<Params & { Body: RelationshipBody }>(
    `${path}/:id`,
    {
      config: {
        graph: { operation: 'delegatedAdminRelationships.update', permission: 'delegatedAdmin.write' },
      },
      schema: { body: UPDATE_RELATIONSHIP },
    },
    async (req, reply) => {
      const caller = graphCallerOf(req);
      const current = await requireRelationship(ctx, caller.tenantId, req.params.id);
      requireIfMatch(req, etagOf(current.id, current.version));
      const updated = await updateRelationship(
        ctx.db,
        caller.tenantId,
        current.id,
        editsOf(req.body),
        // The version the ETag named: a change since then fails the conditional write (412).
        { ifVersion: current.version, by: await auditActorOf(ctx, caller) },
        ctx.clock.now(),
      );
      return sendRelationship(ctx, reply, updated);
    },
  );

  api.delete<Params>(
    `${path}/:id`,
    {
      config: {
        graph: { operation: 'delegatedAdminRelationships.delete', permission: 'delegatedAdmin.write' },
      },
    },
    async (req: FastifyRequest<Params>, reply) => {
      const caller = graphCallerOf(req);
      const current = await requireRelationship(ctx, caller.tenantId, req.params.id);
      requireIfMatch(req, etagOf(current.id, current.version));
      // §1.1: only while `created`; the lifecycle table refuses it anywhere else.
      await applyEvent(
        ctx.db,
        { partnerTenantId: caller.tenantId },
        current.id,
        {
          event: 'delete',
          actor: 'partner',
          ifVersion: current.version,
          by: await auditActorOf(ctx, caller),
        },
        ctx.clock.now(),
      );
      return reply.code(204).send();
    },
  );
}
