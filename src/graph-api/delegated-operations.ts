import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { WardenContext } from '../context.ts';
import { RETRY_AFTER_SECONDS } from '../reports/request-log.ts';

/**
 * SPEC E3: every Graph request a partner user makes in a customer tenant (an AOBO token the gate
 * admitted, or refused for want of a role) goes into the request log with the customer, the access (GDAP or DAP, the roles, the
 * relationships) and the methods behind the MFA proof, so the customer's Partner activity shows it.
 * The row is the partner's (its user's request), naming the customer. It is committed before the
 * answer goes out, as the Partner API's are; when it cannot be, the one rule of RequestLog decides.
 */
export function recordDelegatedOperation(ctx: WardenContext) {
  return async (req: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> => {
    // Admitted, or refused for want of a role although the partner user holds access here.
    const caller = req.graphCaller ?? req.graphDelegatedRefusal;
    const access = caller?.delegated;
    const declaration = req.routeOptions.config.graph;
    if (!caller || !access || !declaration || caller.caller.mode !== 'app+user') return payload;
    const decision = await ctx.requestLog.recordBeforeAnswer(
      {
        tenantId: access.partnerTenantId,
        surface: 'graph-app-user',
        operation: declaration.operation,
        userId: caller.caller.userId,
        userPrincipalName: caller.user?.userPrincipalName ?? caller.caller.userPrincipalName,
        appId: caller.caller.appId,
        mfaCompliant: caller.caller.mfa,
        statusCode: reply.statusCode,
        correlationId: req.graphRequestId ?? randomUUID(),
        occurredAt: ctx.clock.now(),
        delegated: {
          customerTenantId: access.customerTenantId,
          via: access.via,
          roleTemplateIds: access.roleTemplateIds,
          relationshipIds: access.relationshipIds,
          amr: caller.caller.amr,
        },
      },
      req.method,
    );
    if (decision === 'send') return payload;
    reply.code(503).header('Retry-After', String(RETRY_AFTER_SECONDS)).type('application/json');
    return JSON.stringify({
      error: {
        code: 'serviceNotAvailable',
        message: 'The request could not be recorded; try again in a few seconds.',
        innerError: {
          'request-id': req.graphRequestId ?? '',
          date: new Date(ctx.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        },
      },
    });
  };
}
