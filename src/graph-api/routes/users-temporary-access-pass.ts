import type { FastifyInstance } from 'fastify';
import {
  createTemporaryAccessPass,
  deleteTemporaryAccessPass,
  findTemporaryAccessPass,
  TAP_LIFETIME_MINUTES,
  type TemporaryAccessPass,
  usabilityOf,
} from '../../authentication-methods/temporary-access-pass/passes.ts';
import type { WardenContext } from '../../context.ts';
import { assertMayChangeCredentials } from '../../directory/password-reset.ts';
import { GraphError } from '../../errors/graph-errors.ts';
import { graphCallerOf } from '../gate.ts';
import { sendEntity } from '../responses.ts';
import { userOr404 } from './users-shape.ts';

const TYPE = '#microsoft.graph.temporaryAccessPassAuthenticationMethod';
const PATH = '/users/:id/authentication/temporaryAccessPassMethods';

/** Graph `temporaryAccessPassAuthenticationMethod` (reference §3.1); the pass only in the create response. */
function shapeOf(tap: TemporaryAccessPass, now: number, pass: string | null = null) {
  const usability = usabilityOf(tap, now);
  return {
    '@odata.type': TYPE,
    id: tap.id,
    temporaryAccessPass: pass,
    createdDateTime: new Date(tap.createdAt).toISOString(),
    startDateTime: new Date(tap.startAt).toISOString(),
    lifetimeInMinutes: tap.lifetimeInMinutes,
    isUsableOnce: tap.isUsableOnce,
    isUsable: usability.isUsable,
    methodUsabilityReason: usability.reason,
  };
}

function notFound(id: string): GraphError {
  return new GraphError('Request_ResourceNotFound', `Temporary Access Pass '${id}' does not exist.`);
}

/**
 * Graph `/users/{id}/authentication/temporaryAccessPassMethods` (issue 15 item 2): create (the
 * pass returned once), list, get (never the pass), delete. Creating and deleting are changes to
 * the user's credentials: who may is credentialChangeRefusal's, as for a password reset.
 */
export function temporaryAccessPassRoutes(api: FastifyInstance, ctx: WardenContext): void {
  const resource = (userId: string) => `users('${userId}')/authentication/temporaryAccessPassMethods`;

  api.post<{
    Params: { id: string };
    Body: { lifetimeInMinutes?: number; isUsableOnce?: boolean; startDateTime?: string } | undefined;
  }>(
    PATH,
    {
      config: {
        graph: { operation: 'users.temporaryAccessPass.create', permission: 'authenticationMethods.write' },
      },
      preValidation: async (req) => {
        req.body ??= {};
      },
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            '@odata.type': { type: 'string', const: TYPE },
            lifetimeInMinutes: {
              type: 'integer',
              minimum: TAP_LIFETIME_MINUTES.minimum,
              maximum: TAP_LIFETIME_MINUTES.maximum,
            },
            isUsableOnce: { type: 'boolean' },
            startDateTime: { type: 'string', maxLength: 64 },
          },
        },
      },
    },
    async (req, reply) => {
      const { tenantId, user: actor } = graphCallerOf(req);
      const target = await userOr404(ctx, tenantId, req.params.id);
      await assertMayChangeCredentials(ctx.db, actor, target, 'temporaryAccessPass');
      const now = ctx.clock.now();
      const start = req.body?.startDateTime;
      const startAt = start === undefined ? undefined : Date.parse(start);
      if (startAt !== undefined && Number.isNaN(startAt))
        throw new GraphError('Request_BadRequest', 'startDateTime is not a valid ISO 8601 date and time.');
      const { pass, tap } = await createTemporaryAccessPass(ctx.db, {
        tenantId,
        userId: target.id,
        createdBy: actor?.id ?? null,
        now,
        lifetimeInMinutes: req.body?.lifetimeInMinutes,
        isUsableOnce: req.body?.isUsableOnce,
        startAt,
      });
      return sendEntity(reply, {
        baseUrl: ctx.config.baseUrl,
        resource: `${resource(target.id)}/$entity`,
        entity: shapeOf(tap, now, pass),
        status: 201,
      });
    },
  );

  api.get<{ Params: { id: string } }>(
    PATH,
    {
      config: {
        graph: { operation: 'users.temporaryAccessPass.list', permission: 'authenticationMethods.read' },
      },
    },
    async (req, reply) => {
      const { tenantId } = graphCallerOf(req);
      const target = await userOr404(ctx, tenantId, req.params.id);
      const tap = await findTemporaryAccessPass(ctx.db, tenantId, target.id);
      const now = ctx.clock.now();
      return reply.send({
        '@odata.context': `${ctx.config.baseUrl}/v1.0/$metadata#${resource(target.id)}`,
        value: tap ? [shapeOf(tap, now)] : [],
      });
    },
  );

  api.get<{ Params: { id: string; methodId: string } }>(
    `${PATH}/:methodId`,
    {
      config: {
        graph: { operation: 'users.temporaryAccessPass.get', permission: 'authenticationMethods.read' },
      },
    },
    async (req, reply) => {
      const { tenantId } = graphCallerOf(req);
      const target = await userOr404(ctx, tenantId, req.params.id);
      const tap = await findTemporaryAccessPass(ctx.db, tenantId, target.id);
      if (!tap || tap.id !== req.params.methodId) throw notFound(req.params.methodId);
      return sendEntity(reply, {
        baseUrl: ctx.config.baseUrl,
        resource: `${resource(target.id)}/$entity`,
        entity: shapeOf(tap, ctx.clock.now()),
      });
    },
  );

  api.delete<{ Params: { id: string; methodId: string } }>(
    `${PATH}/:methodId`,
    {
      config: {
        graph: { operation: 'users.temporaryAccessPass.delete', permission: 'authenticationMethods.write' },
      },
    },
    async (req, reply) => {
      const { tenantId, user: actor } = graphCallerOf(req);
      const target = await userOr404(ctx, tenantId, req.params.id);
      await assertMayChangeCredentials(ctx.db, actor, target, 'temporaryAccessPass');
      if (!(await deleteTemporaryAccessPass(ctx.db, tenantId, target.id, req.params.methodId)))
        throw notFound(req.params.methodId);
      return reply.code(204).send();
    },
  );
}
