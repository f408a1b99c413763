import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../../context.ts';
import {
  createDirectoryUser,
  type DirectoryUserUpdate,
  deleteDirectoryUser,
  type NewDirectoryUser,
  updateDirectoryUser,
} from '../../directory/user-admin.ts';
import { queryUsers, type UserCondition } from '../../directory/users.ts';
import { GraphError } from '../../errors/graph-errors.ts';
import { graphCallerOf } from '../gate.ts';
import { type FilterClause, parseQuery } from '../odata.ts';
import { sendEntity, sendPage } from '../responses.ts';
import { resetPasswordRoutes } from './users-password.ts';
import { revokeSessionsRoutes } from './users-sessions.ts';
import { USER_SHAPE, userEntity, userOr404 } from './users-shape.ts';

const NAME = { type: 'string', minLength: 1, maxLength: 256 } as const;
const OPTIONAL_NAME = { type: ['string', 'null'], maxLength: 64 } as const;
const UPN = { type: 'string', minLength: 3, maxLength: 320 } as const;
const PASSWORD_PROFILE = {
  type: 'object',
  additionalProperties: false,
  properties: {
    password: { type: 'string', maxLength: 1024 },
    forceChangePasswordNextSignIn: { type: 'boolean' },
  },
} as const;

/** Graph `users` (issue 4 item 1): list, get, create, update (disable), delete; the reset and revoke actions. */
export function usersRoutes(api: FastifyInstance, ctx: WardenContext): void {
  const baseUrl = ctx.config.baseUrl;

  api.get(
    '/users',
    { config: { graph: { operation: 'users.list', permission: 'users.read' } } },
    async (req, reply) => {
      const { tenantId } = graphCallerOf(req);
      const query = parseQuery(req.query, USER_SHAPE, { defaultTop: 100, maxTop: 999 });
      const rows = await queryUsers(ctx.db, tenantId, {
        conditions: query.filter.map(conditionOf),
        afterId: query.after === undefined ? undefined : String(query.after[0]),
        limit: query.top + 1,
      });
      return sendPage(req, reply, {
        baseUrl,
        resource: 'users',
        rows: rows.map(userEntity),
        query,
        keyOf: (row) => [row.id],
      });
    },
  );

  api.get<{ Params: { id: string }; Querystring: Record<string, string> }>(
    '/users/:id',
    { config: { graph: { operation: 'users.get', permission: 'users.read' } } },
    async (req, reply) => {
      const { tenantId } = graphCallerOf(req);
      const query = parseQuery(req.query, USER_SHAPE);
      if (query.filter.length > 0 || query.after !== undefined)
        throw new GraphError('Request_UnsupportedQuery', 'Only $select applies to a single user.');
      const user = await userOr404(ctx, tenantId, req.params.id);
      return sendEntity(reply, {
        baseUrl,
        resource: 'users/$entity',
        entity: userEntity(user),
        ...(query.select ? { select: query.select } : {}),
      });
    },
  );

  api.post<{ Body: NewDirectoryUser & { mailNickname?: string } }>(
    '/users',
    {
      config: { graph: { operation: 'users.create', permission: 'users.write' } },
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['accountEnabled', 'displayName', 'userPrincipalName', 'passwordProfile'],
          properties: {
            accountEnabled: { type: 'boolean' },
            displayName: NAME,
            // Graph asks for it; Warden has no mailboxes, so it is accepted and not kept.
            mailNickname: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[^@\\s]+$' },
            userPrincipalName: UPN,
            givenName: OPTIONAL_NAME,
            surname: OPTIONAL_NAME,
            passwordProfile: { ...PASSWORD_PROFILE, required: ['password'] },
          },
        },
      },
    },
    async (req, reply) => {
      const { tenantId } = graphCallerOf(req);
      const { mailNickname: _ignored, ...input } = req.body;
      const user = await createDirectoryUser(ctx, tenantId, {
        ...input,
        givenName: input.givenName ?? undefined,
        surname: input.surname ?? undefined,
      });
      return sendEntity(reply, { baseUrl, resource: 'users/$entity', entity: userEntity(user), status: 201 });
    },
  );

  api.patch<{ Params: { id: string }; Body: DirectoryUserUpdate }>(
    '/users/:id',
    {
      config: { graph: { operation: 'users.update', permission: 'users.write' } },
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            accountEnabled: { type: 'boolean' },
            displayName: NAME,
            userPrincipalName: UPN,
            givenName: OPTIONAL_NAME,
            surname: OPTIONAL_NAME,
            passwordProfile: PASSWORD_PROFILE,
          },
        },
      },
    },
    async (req, reply) => {
      const { tenantId, user: actor } = graphCallerOf(req);
      const target = await userOr404(ctx, tenantId, req.params.id);
      await updateDirectoryUser(ctx, actor, target, req.body ?? {});
      return reply.code(204).send();
    },
  );

  api.delete<{ Params: { id: string } }>(
    '/users/:id',
    { config: { graph: { operation: 'users.delete', permission: 'users.write' } } },
    async (req, reply) => {
      const { tenantId, user: actor } = graphCallerOf(req);
      const target = await userOr404(ctx, tenantId, req.params.id);
      await deleteDirectoryUser(ctx, actor, target);
      return reply.code(204).send();
    },
  );

  resetPasswordRoutes(api, ctx);
  revokeSessionsRoutes(api, ctx);
}

/** `$filter` clauses in the directory's terms. */
function conditionOf(clause: FilterClause): UserCondition {
  const { property, value } = clause;
  if (value === null)
    throw new GraphError('Request_UnsupportedQuery', `'${property}' cannot be compared with null.`);
  switch (property) {
    case 'userPrincipalName':
    case 'displayName':
      return {
        field: property,
        op: clause.operator === 'startswith' ? 'startswith' : 'eq',
        value: String(value),
      };
    case 'accountEnabled':
      return { field: 'accountEnabled', op: 'eq', value: value === true };
    case 'id':
      return { field: 'id', op: 'eq', value: String(value) };
    case 'userType': {
      const kind = String(value).toLowerCase();
      if (kind === 'member') return { field: 'userType', op: 'in', value: ['member', 'service'] };
      if (kind === 'guest') return { field: 'userType', op: 'in', value: ['guest'] };
      throw new GraphError('Request_UnsupportedQuery', "userType is 'Member' or 'Guest'.");
    }
    default:
      throw new GraphError('Request_UnsupportedQuery', `The property '${property}' cannot be filtered.`);
  }
}
