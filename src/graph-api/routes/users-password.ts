import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { resetUserPassword } from '../../directory/password-reset.ts';
import { graphCallerOf } from '../gate.ts';
import { userOr404 } from './users-shape.ts';

// Graph's fixed id of every user's password authentication method.
export const PASSWORD_METHOD_ID = '28c10230-6103-485e-b985-444c60001490';

/**
 * Graph's `resetPassword` of the password method (SPEC §9 admin unblock): a temporary password
 * the user must change at next sign-in. Given or generated; a generated one is returned once
 * (Graph `passwordResetResponse`). Warden finishes the reset before answering, so it answers 200
 * with the result instead of Graph's 202 and status link.
 */
export function resetPasswordRoutes(api: FastifyInstance, ctx: WardenContext): void {
  api.post<{ Params: { id: string }; Body: { newPassword?: string } | undefined }>(
    `/users/:id/authentication/methods/${PASSWORD_METHOD_ID}/resetPassword`,
    {
      config: { graph: { operation: 'users.resetPassword', permission: 'users.resetPassword' } },
      // Without a password to give, a script may send no body at all: that is `{}`.
      preValidation: async (req) => {
        req.body ??= {};
      },
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { newPassword: { type: 'string', maxLength: 1024 } },
        },
      },
    },
    async (req, reply) => {
      const { tenantId, user: actor } = graphCallerOf(req);
      const target = await userOr404(ctx, tenantId, req.params.id);
      const generated = await resetUserPassword(ctx, actor, target, req.body?.newPassword);
      return reply.code(200).send({
        '@odata.context': `${ctx.config.baseUrl}/v1.0/$metadata#microsoft.graph.passwordResetResponse`,
        newPassword: generated ?? null,
      });
    },
  );
}
