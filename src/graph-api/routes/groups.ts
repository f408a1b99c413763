import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../../context.ts';
import {
  addGroupMember,
  createDirectoryGroup,
  deleteDirectoryGroup,
  removeGroupMember,
  renameDirectoryGroup,
  requireGroup,
} from '../../directory/group-admin.ts';
import {
  countGroups,
  type Group,
  type GroupCondition,
  queryGroups,
  queryMembers,
} from '../../directory/groups.ts';
import { getUser } from '../../directory/users.ts';
import { GraphError } from '../../errors/graph-errors.ts';
import { graphCallerOf } from '../gate.ts';
import { type ListingColumn, listingInput, listingKey, queryHeaders } from '../listing.ts';
import { type FilterClause, parseQuery, type ResourceShape, refuseListingOptions } from '../odata.ts';
import { sendEntity, sendPage } from '../responses.ts';
import { USER_SHAPE, userEntity } from './users-shape.ts';

const GROUP_SHAPE: ResourceShape = {
  type: 'microsoft.graph.group',
  properties: {
    id: { type: 'guid', filter: ['eq'] },
    displayName: { type: 'string', filter: ['eq', 'startswith'], orderBy: 'default', search: true },
    securityEnabled: { type: 'boolean' },
    mailEnabled: { type: 'boolean' },
    createdDateTime: { type: 'dateTime', orderBy: 'advanced' },
  },
};

const GROUP_COLUMNS: Record<string, ListingColumn> = {
  displayName: { column: 'display_name', kind: 'text' },
  createdDateTime: { column: 'created_at', kind: 'number' },
};

const KEY = Symbol('key');

/**
 * A group in Graph's `group` shape. Warden's groups are security groups without mail; it keeps no
 * description or mail nickname, so those are left out rather than made up.
 */
function groupEntity(group: Group) {
  return {
    id: group.id,
    displayName: group.displayName,
    securityEnabled: true,
    mailEnabled: false,
    groupTypes: [] as string[],
    createdDateTime: new Date(group.createdAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}

const DISPLAY_NAME = { type: 'string', minLength: 1, maxLength: 256 } as const;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Graph `groups` and their `members` (issue 4 item 1). */
export function groupsRoutes(api: FastifyInstance, ctx: WardenContext): void {
  const baseUrl = ctx.config.baseUrl;

  api.get(
    '/groups',
    { config: { graph: { operation: 'groups.list', permission: 'groups.read' } } },
    async (req, reply) => {
      const { tenantId } = graphCallerOf(req);
      const query = parseQuery(req.query, GROUP_SHAPE, undefined, queryHeaders(req));
      const conditions = query.filter.map(groupCondition);
      const listing = listingInput(query, GROUP_COLUMNS);
      const rows = await queryGroups(ctx.db, tenantId, {
        conditions,
        listing,
        dbKind: ctx.dbKind,
        limit: query.top + 1,
      });
      return sendPage(req, reply, {
        baseUrl,
        resource: 'groups',
        rows: rows.map((group) => ({
          ...groupEntity(group),
          [KEY]: listingKey(query, GROUP_COLUMNS, {
            id: group.id,
            sortValue: (property) => (property === 'createdDateTime' ? group.createdAt : group.displayName),
          }),
        })),
        query,
        keyOf: (row) => row[KEY],
        ...(query.count
          ? {
              count: await countGroups(ctx.db, tenantId, { conditions, listing: { search: listing.search } }),
            }
          : {}),
      });
    },
  );

  api.get<{ Params: { id: string } }>(
    '/groups/:id',
    { config: { graph: { operation: 'groups.get', permission: 'groups.read' } } },
    async (req, reply) => {
      const { tenantId } = graphCallerOf(req);
      const query = parseQuery(req.query, GROUP_SHAPE);
      refuseListingOptions(query, 'a single group');
      const group = await requireGroup(ctx, tenantId, req.params.id);
      return sendEntity(reply, {
        baseUrl,
        resource: 'groups/$entity',
        entity: groupEntity(group),
        ...(query.select ? { select: query.select } : {}),
      });
    },
  );

  api.post<{ Body: { displayName: string; mailEnabled: boolean; securityEnabled: boolean } }>(
    '/groups',
    {
      config: { graph: { operation: 'groups.create', permission: 'groups.write' } },
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['displayName'],
          properties: {
            displayName: DISPLAY_NAME,
            // Graph asks for these; Warden's groups are security groups without mail.
            mailEnabled: { const: false },
            securityEnabled: { const: true },
            mailNickname: { type: 'string', minLength: 1, maxLength: 64 },
            groupTypes: { type: 'array', maxItems: 0 },
          },
        },
      },
    },
    async (req, reply) => {
      const { tenantId } = graphCallerOf(req);
      const group = await createDirectoryGroup(ctx, tenantId, req.body.displayName);
      return sendEntity(reply, {
        baseUrl,
        resource: 'groups/$entity',
        entity: groupEntity(group),
        status: 201,
      });
    },
  );

  api.patch<{ Params: { id: string }; Body: { displayName?: string } }>(
    '/groups/:id',
    {
      config: { graph: { operation: 'groups.update', permission: 'groups.write' } },
      schema: {
        body: { type: 'object', additionalProperties: false, properties: { displayName: DISPLAY_NAME } },
      },
    },
    async (req, reply) => {
      const { tenantId } = graphCallerOf(req);
      const group = await requireGroup(ctx, tenantId, req.params.id);
      if (req.body?.displayName !== undefined) await renameDirectoryGroup(ctx, group, req.body.displayName);
      return reply.code(204).send();
    },
  );

  api.delete<{ Params: { id: string } }>(
    '/groups/:id',
    { config: { graph: { operation: 'groups.delete', permission: 'groups.write' } } },
    async (req, reply) => {
      const { tenantId } = graphCallerOf(req);
      await deleteDirectoryGroup(ctx, await requireGroup(ctx, tenantId, req.params.id));
      return reply.code(204).send();
    },
  );

  api.get<{ Params: { id: string } }>(
    '/groups/:id/members',
    { config: { graph: { operation: 'groups.members.list', permission: 'groups.read' } } },
    async (req, reply) => {
      const { tenantId } = graphCallerOf(req);
      const query = parseQuery(req.query, USER_SHAPE);
      refuseListingOptions(query, 'members');
      if (query.filter.length > 0)
        throw new GraphError('Request_UnsupportedQuery', '$filter is not supported on members.');
      const group = await requireGroup(ctx, tenantId, req.params.id);
      const ids = await queryMembers(ctx.db, tenantId, group.id, {
        afterId: query.after === undefined ? undefined : String(query.after[0]),
        limit: query.top + 1,
      });
      const users = await Promise.all(ids.map((id) => getUser(ctx.db, tenantId, id)));
      const rows = users.flatMap((u) =>
        u ? [{ '@odata.type': '#microsoft.graph.user', ...userEntity(u) }] : [],
      );
      return sendPage(req, reply, {
        baseUrl,
        resource: 'directoryObjects',
        rows,
        query: query.select ? { ...query, select: ['@odata.type', ...query.select] } : query,
        keyOf: (row) => [row.id],
      });
    },
  );

  api.post<{ Params: { id: string }; Body: { '@odata.id': string } }>(
    '/groups/:id/members/$ref',
    {
      config: { graph: { operation: 'groups.members.add', permission: 'groups.write' } },
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['@odata.id'],
          properties: { '@odata.id': { type: 'string', maxLength: 2048 } },
        },
      },
    },
    async (req, reply) => {
      const { tenantId, user: actor } = graphCallerOf(req);
      const group = await requireGroup(ctx, tenantId, req.params.id);
      const memberId = referencedId(req.body['@odata.id']);
      const member = await getUser(ctx.db, tenantId, memberId);
      // A user of another tenant is as unknown here as one that does not exist.
      if (!member)
        throw new GraphError(
          'Request_ResourceNotFound',
          `Resource '${memberId}' does not exist or one of its queried reference-property objects are not present.`,
        );
      await addGroupMember(ctx, actor, group, member);
      return reply.code(204).send();
    },
  );

  api.delete<{ Params: { id: string; userId: string } }>(
    '/groups/:id/members/:userId/$ref',
    { config: { graph: { operation: 'groups.members.remove', permission: 'groups.write' } } },
    async (req, reply) => {
      const { tenantId, user: actor } = graphCallerOf(req);
      const group = await requireGroup(ctx, tenantId, req.params.id);
      await removeGroupMember(ctx, actor, group, req.params.userId);
      return reply.code(204).send();
    },
  );
}

/** The object id of `…/directoryObjects/{id}` (or `…/users/{id}`), as Graph's `$ref` bodies name it. */
function referencedId(reference: string): string {
  const match = /\/(?:directoryObjects|users)\/([^/?#]+)$/.exec(reference.trim());
  const id = match?.[1];
  if (!id || !GUID.test(id))
    throw new GraphError(
      'Request_BadRequest',
      "Invalid '@odata.id': give the member as '<base>/v1.0/directoryObjects/{id}'.",
    );
  return id.toLowerCase();
}

function groupCondition(clause: FilterClause): GroupCondition {
  if (clause.value === null)
    throw new GraphError('Request_UnsupportedQuery', `'${clause.property}' cannot be compared with null.`);
  if (clause.property === 'id') return { field: 'id', op: 'eq', value: String(clause.value) };
  if (clause.property === 'displayName')
    return {
      field: 'displayName',
      op: clause.operator === 'startswith' ? 'startswith' : 'eq',
      value: String(clause.value),
    };
  throw new GraphError('Request_UnsupportedQuery', `The property '${clause.property}' cannot be filtered.`);
}
