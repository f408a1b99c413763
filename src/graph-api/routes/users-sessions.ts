import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { revokeDirectoryUserSessions } from '../../directory/user-admin.ts';
import { graphCallerOf } from '../gate.ts';
import { userOr404 } from './users-shape.ts';

/**
 * Graph's `revokeSignInSessions`: every session and refresh token of the user ends, and the
 * access tokens it holds are refused by the APIs within seconds (the revocation list). Graph
 * answers `{ value: true }`.
 */
export function revokeSessionsRoutes(api: FastifyInstance, ctx: WardenContext): void {
  api.post<{ Params: { id: string } }>(
    '/users/:id/revokeSignInSessions',
    { config: { graph: { operation: 'users.revokeSignInSessions', permission: 'users.revokeSessions' } } },
    async (req, reply) => {
      const { tenantId, user: actor } = graphCallerOf(req);
      const target = await userOr404(ctx, tenantId, req.params.id);
      await revokeDirectoryUserSessions(ctx, actor, target);
      return reply.code(200).send({
        '@odata.context': `${ctx.config.baseUrl}/v1.0/$metadata#Edm.Boolean`,
        value: true,
      });
    },
  );
}
