import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { type OwnProfileUpdate, updateOwnProfile } from '../../directory/user-admin.ts';
import { getUser, type User } from '../../directory/users.ts';
import { GraphError } from '../../errors/graph-errors.ts';
import { type GraphCaller, graphCallerOf } from '../gate.ts';
import { parseQuery, refuseListingOptions } from '../odata.ts';
import { sendEntity } from '../responses.ts';
import { extrasOf, PROFILE_SCHEMA, USER_SHAPE, userEntity } from './users-shape.ts';

/**
 * Graph `/me`: the signed-in user's own `user` (delegated tokens only; the gate answers an
 * app-only token with Graph's 400 BadRequest). A partner user acting in a customer's tenant
 * (SPEC E3) is a foreign principal there: no user object of that directory is theirs, so `/me`
 * is a 404 — never the partner's own record, nor any user of the customer.
 */
export function meRoutes(api: FastifyInstance, ctx: WardenContext): void {
  const baseUrl = ctx.config.baseUrl;

  api.get(
    '/me',
    { config: { graph: { operation: 'me.get', permission: 'me.read' } } },
    async (req, reply) => {
      const query = parseQuery(req.query, USER_SHAPE);
      refuseListingOptions(query, '/me');
      if (query.filter.length > 0 || query.after !== undefined)
        throw new GraphError('Request_UnsupportedQuery', 'Only $select applies to /me.');
      const me = await signedInUser(ctx, graphCallerOf(req));
      return sendEntity(reply, {
        baseUrl,
        resource: 'users/$entity',
        entity: userEntity(me, await extrasOf(ctx, me, query.select)),
        ...(query.select ? { select: query.select } : {}),
      });
    },
  );

  api.patch<{ Body: OwnProfileUpdate }>(
    '/me',
    {
      config: { graph: { operation: 'me.update', permission: 'me.write' } },
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            businessPhones: PROFILE_SCHEMA.businessPhones,
            mobilePhone: PROFILE_SCHEMA.mobilePhone,
            preferredLanguage: PROFILE_SCHEMA.preferredLanguage,
          },
        },
      },
    },
    async (req, reply) => {
      const me = await signedInUser(ctx, graphCallerOf(req));
      await updateOwnProfile(ctx, me, req.body ?? {});
      return reply.code(204).send();
    },
  );
}

/** The caller's own user of this tenant, read now. */
export async function signedInUser(ctx: WardenContext, caller: GraphCaller): Promise<User> {
  const token = caller.caller;
  if (token.mode !== 'app+user') throw new Error('the gate admits only delegated tokens to /me');
  const me = caller.delegated ? undefined : await getUser(ctx.db, caller.tenantId, token.userId);
  if (!me)
    throw new GraphError(
      'Request_ResourceNotFound',
      `Resource '${token.userId}' does not exist or one of its queried reference-property objects are not present.`,
    );
  return me;
}
