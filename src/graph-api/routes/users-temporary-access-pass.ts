import type { FastifyInstance } from 'fastify';
import { type AuditActor, recordAuditEvent } from '../../audit/audit-events.ts';
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
import type { User } from '../../directory/users.ts';
import { GraphError } from '../../errors/graph-errors.ts';
import { inTransaction } from '../../storage/database.ts';
import { graphCallerOf } from '../gate.ts';
import { sendEntity } from '../responses.ts';
import { auditActorOf } from './delegated-admin-shape.ts';
import { userOr404 } from './users-shape.ts';

const TYPE = '#microsoft.graph.temporaryAccessPassAuthenticationMethod';
const PATH = '/users/:id/authentication/temporaryAccessPassMethods';

/** Graph `temporaryAccessPassAuthenticationMethod` (reference §3.1); the pass only in the create response. */
export function temporaryAccessPassShape(tap: TemporaryAccessPass, now: number, pass: string | null = null) {
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

/** Entra's audit activities for an administrator's change to a user's Temporary Access Pass. */
const ACTIVITY = {
  create: 'Admin registered temporary access pass method for user',
  delete: 'Admin deleted temporary access pass method for user',
} as const;

function audit(
  trx: Parameters<typeof recordAuditEvent>[0],
  tenantId: string,
  actor: AuditActor,
  target: User,
  activity: keyof typeof ACTIVITY,
  details: Record<string, unknown>,
  now: number,
): Promise<void> {
  return recordAuditEvent(
    trx,
    [tenantId],
    {
      category: 'UserManagement',
      activity: ACTIVITY[activity],
      actor,
      target: { type: 'user', id: target.id, name: target.userPrincipalName },
      details,
    },
    now,
  );
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
      const caller = graphCallerOf(req);
      const { tenantId, user: actor } = caller;
      const target = await userOr404(ctx, tenantId, req.params.id);
      await assertMayChangeCredentials(ctx.db, actor, target, 'temporaryAccessPass', ctx.clock.now());
      const by = await auditActorOf(ctx, caller);
      const now = ctx.clock.now();
      const start = req.body?.startDateTime;
      const startAt = start === undefined ? undefined : Date.parse(start);
      if (startAt !== undefined && Number.isNaN(startAt))
        throw new GraphError('Request_BadRequest', 'startDateTime is not a valid ISO 8601 date and time.');
      // The pass and its audit record in one transaction (never the pass in the record).
      const { pass, tap } = await inTransaction(ctx.db, async (trx) => {
        const created = await createTemporaryAccessPass(trx, {
          tenantId,
          userId: target.id,
          createdBy: actor?.id ?? null,
          now,
          lifetimeInMinutes: req.body?.lifetimeInMinutes,
          isUsableOnce: req.body?.isUsableOnce,
          startAt,
        });
        const { id, lifetimeInMinutes, isUsableOnce } = created.tap;
        await audit(trx, tenantId, by, target, 'create', { id, lifetimeInMinutes, isUsableOnce }, now);
        return created;
      });
      return sendEntity(reply, {
        baseUrl: ctx.config.baseUrl,
        resource: `${resource(target.id)}/$entity`,
        entity: temporaryAccessPassShape(tap, now, pass),
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
        value: tap ? [temporaryAccessPassShape(tap, now)] : [],
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
        entity: temporaryAccessPassShape(tap, ctx.clock.now()),
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
      const caller = graphCallerOf(req);
      const { tenantId, user: actor } = caller;
      const target = await userOr404(ctx, tenantId, req.params.id);
      await assertMayChangeCredentials(ctx.db, actor, target, 'temporaryAccessPass', ctx.clock.now());
      const by = await auditActorOf(ctx, caller);
      const now = ctx.clock.now();
      const { methodId } = req.params;
      const deleted = await inTransaction(ctx.db, async (trx) => {
        if (!(await deleteTemporaryAccessPass(trx, tenantId, target.id, methodId))) return false;
        await audit(trx, tenantId, by, target, 'delete', { id: methodId }, now);
        return true;
      });
      if (!deleted) throw notFound(methodId);
      return reply.code(204).send();
    },
  );
}
