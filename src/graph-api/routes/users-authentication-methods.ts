import type { FastifyInstance } from 'fastify';
import { recordAuditEvent } from '../../audit/audit-events.ts';
import { removeMfaMethod } from '../../authentication-methods/manage.ts';
import type { WardenContext } from '../../context.ts';
import { assertMayChangeCredentials } from '../../directory/password-reset.ts';
import { getTenant } from '../../directory/tenants.ts';
import type { User } from '../../directory/users.ts';
import { GraphError } from '../../errors/graph-errors.ts';
import { graphCallerOf } from '../gate.ts';
import { sendEntity } from '../responses.ts';
import {
  allMethodsOf,
  collectionOf,
  type MethodCollection,
  type MethodEntity,
  REMOVABLE,
} from './authentication-methods-shape.ts';
import { auditActorOf } from './delegated-admin-shape.ts';
import { signedInUser } from './me.ts';
import { userOr404 } from './users-shape.ts';

/** Entra's audit activity when an administrator removes a user's method (category UserManagement). */
const DELETED = 'Admin deleted security info';

const COLLECTIONS: readonly MethodCollection[] = ['passwordMethods', 'softwareOathMethods', 'fido2Methods'];

/** Graph's operation names of each collection, for the declarations (one name per route). */
const OPERATION: Record<MethodCollection, string> = {
  passwordMethods: 'users.passwordMethods',
  softwareOathMethods: 'users.softwareOathMethods',
  fido2Methods: 'users.fido2Methods',
};

function notFound(id: string): GraphError {
  return new GraphError('Request_ResourceNotFound', `Authentication method '${id}' does not exist.`);
}

/** The method of that id (a GUID in the path arrives lower-case: the gate canonicalises it). */
function one(entities: MethodEntity[], id: string): MethodEntity {
  const found = entities.find((e) => e.id === id);
  if (!found) throw notFound(id);
  return found;
}

/**
 * Graph's per-user authentication methods (issue 15 item 3; reference entra-identity §3.1):
 * `/users/{id}/authentication/methods` (all, polymorphic) and the `passwordMethods`,
 * `softwareOathMethods` and `fido2Methods` collections, listed and read for administrators with
 * `authenticationMethods.read` and deleted with `authenticationMethods.write`. Whose methods an
 * administrator may delete is credentialChangeRefusal's (Entra's Authentication Administrator
 * reaches non-administrators only, the Privileged Authentication Administrator everyone), and the
 * last method while policy mandates MFA is kept by THE removal rule (manage.ts removeMfaMethod),
 * under a row lock, with Entra's audit record in the same transaction.
 */
export function authenticationMethodsRoutes(api: FastifyInstance, ctx: WardenContext): void {
  const context = (user: User, path: string) =>
    `${ctx.config.baseUrl}/v1.0/$metadata#users('${user.id}')/authentication/${path}`;

  api.get<{ Params: { id: string } }>(
    '/users/:id/authentication/methods',
    { config: { graph: { operation: 'users.methods.list', permission: 'authenticationMethods.read' } } },
    async (req, reply) => {
      const target = await userOr404(ctx, graphCallerOf(req).tenantId, req.params.id);
      return reply.send({
        '@odata.context': context(target, 'methods'),
        value: await allMethodsOf(ctx, target),
      });
    },
  );

  api.get<{ Params: { id: string; methodId: string } }>(
    '/users/:id/authentication/methods/:methodId',
    { config: { graph: { operation: 'users.methods.get', permission: 'authenticationMethods.read' } } },
    async (req, reply) => {
      const target = await userOr404(ctx, graphCallerOf(req).tenantId, req.params.id);
      return sendEntity(reply, {
        baseUrl: ctx.config.baseUrl,
        resource: `users('${target.id}')/authentication/methods/$entity`,
        entity: one(await allMethodsOf(ctx, target), req.params.methodId),
      });
    },
  );

  for (const collection of COLLECTIONS) {
    const path = `/users/:id/authentication/${collection}`;
    api.get<{ Params: { id: string } }>(
      path,
      {
        config: {
          graph: { operation: `${OPERATION[collection]}.list`, permission: 'authenticationMethods.read' },
        },
      },
      async (req, reply) => {
        const target = await userOr404(ctx, graphCallerOf(req).tenantId, req.params.id);
        return reply.send({
          '@odata.context': context(target, collection),
          value: await collectionOf(ctx, target, collection),
        });
      },
    );

    api.get<{ Params: { id: string; methodId: string } }>(
      `${path}/:methodId`,
      {
        config: {
          graph: { operation: `${OPERATION[collection]}.get`, permission: 'authenticationMethods.read' },
        },
      },
      async (req, reply) => {
        const target = await userOr404(ctx, graphCallerOf(req).tenantId, req.params.id);
        return sendEntity(reply, {
          baseUrl: ctx.config.baseUrl,
          resource: `users('${target.id}')/authentication/${collection}/$entity`,
          entity: one(await collectionOf(ctx, target, collection), req.params.methodId),
        });
      },
    );

    api.delete<{ Params: { id: string; methodId: string } }>(
      `${path}/:methodId`,
      {
        config: {
          graph: { operation: `${OPERATION[collection]}.delete`, permission: 'authenticationMethods.write' },
        },
      },
      async (req, reply) => {
        const caller = graphCallerOf(req);
        const { tenantId, user: actor } = caller;
        const target = await userOr404(ctx, tenantId, req.params.id);
        const kind = REMOVABLE[collection];
        // Graph offers no deletion of a password method: a password is reset, never removed.
        if (kind === undefined)
          throw new GraphError(
            'badRequest',
            'The method is not supported for this URL: a password method cannot be deleted; reset the password instead.',
          );
        const now = ctx.clock.now();
        await assertMayChangeCredentials(ctx.db, actor, target, 'authenticationMethods', now);
        const tenant = await getTenant(ctx.db, tenantId);
        if (!tenant) throw new Error('the gate admitted a caller of a tenant that does not exist');
        const by = await auditActorOf(ctx, caller);
        await removeMfaMethod(ctx, tenant, target, { kind, id: req.params.methodId }, (trx, removed) =>
          recordAuditEvent(
            trx,
            [tenantId],
            {
              category: 'UserManagement',
              activity: DELETED,
              actor: by,
              target: { type: 'user', id: target.id, name: target.userPrincipalName },
              details: { methodType: collection, id: removed.id, displayName: removed.displayName },
            },
            now,
          ),
        );
        return reply.code(204).send();
      },
    );
  }
}

/**
 * Graph `GET /me/authentication/methods`: the signed-in user's own methods (delegated only; a
 * partner user acting in a customer tenant has no user there, so a 404 as for `/me`).
 */
export function meAuthenticationMethodsRoutes(api: FastifyInstance, ctx: WardenContext): void {
  api.get(
    '/me/authentication/methods',
    { config: { graph: { operation: 'me.methods.list', permission: 'me.authenticationMethods.read' } } },
    async (req, reply) => {
      const me = await signedInUser(ctx, graphCallerOf(req));
      return reply.send({
        '@odata.context': `${ctx.config.baseUrl}/v1.0/$metadata#users('${me.id}')/authentication/methods`,
        value: await allMethodsOf(ctx, me),
      });
    },
  );
}
