import type { FastifyInstance } from 'fastify';
import { recordAuditEvent } from '../../audit/audit-events.ts';
import { TAP_LIFETIME_MINUTES } from '../../authentication-methods/temporary-access-pass/passes.ts';
import {
  firstRegistrationRequiresTap,
  setFirstRegistrationRequiresTap,
} from '../../authentication-methods/temporary-access-pass/registration-setting.ts';
import type { WardenContext } from '../../context.ts';
import { inTransaction } from '../../storage/database.ts';
import { graphCallerOf } from '../gate.ts';
import { sendEntity } from '../responses.ts';
import { auditActorOf } from './delegated-admin-shape.ts';

const RESOURCE = 'policies/authenticationMethodsPolicy';

/**
 * Graph `authenticationMethodsPolicy` (reference §3.2), the part Warden has: the
 * `TemporaryAccessPass` method configuration (Entra's bounds, fixed) and one Warden property,
 * `firstRegistrationRequiresTemporaryAccessPass` (issue 15 item 2; docs/authentication-methods.md),
 * the only property PATCH accepts.
 */
export function authenticationMethodsPolicyRoutes(api: FastifyInstance, ctx: WardenContext): void {
  api.get(
    `/${RESOURCE}`,
    {
      config: {
        graph: {
          operation: 'authenticationMethodsPolicy.get',
          permission: 'authenticationMethodsPolicy.read',
        },
      },
    },
    async (req, reply) => {
      const { tenantId } = graphCallerOf(req);
      return sendEntity(reply, {
        baseUrl: ctx.config.baseUrl,
        resource: `${RESOURCE}/$entity`,
        entity: policyOf(await firstRegistrationRequiresTap(ctx.db, tenantId)),
      });
    },
  );

  api.patch<{ Body: { firstRegistrationRequiresTemporaryAccessPass: boolean } }>(
    `/${RESOURCE}`,
    {
      config: {
        graph: {
          operation: 'authenticationMethodsPolicy.update',
          permission: 'authenticationMethodsPolicy.write',
        },
      },
      schema: {
        body: {
          type: 'object',
          required: ['firstRegistrationRequiresTemporaryAccessPass'],
          additionalProperties: false,
          properties: { firstRegistrationRequiresTemporaryAccessPass: { type: 'boolean' } },
        },
      },
    },
    async (req, reply) => {
      const caller = graphCallerOf(req);
      const actor = await auditActorOf(ctx, caller);
      const on = req.body.firstRegistrationRequiresTemporaryAccessPass;
      const now = ctx.clock.now();
      await inTransaction(ctx.db, async (trx) => {
        await setFirstRegistrationRequiresTap(trx, caller.tenantId, on, now);
        await recordAuditEvent(
          trx,
          [caller.tenantId],
          {
            category: 'Policy',
            activity: 'Authentication methods policy update',
            actor,
            target: { type: 'authenticationMethodsPolicy', id: 'authenticationMethodsPolicy' },
            details: { firstRegistrationRequiresTemporaryAccessPass: on },
          },
          now,
        );
      });
      return reply.code(204).send();
    },
  );
}

function policyOf(requiresTap: boolean) {
  return {
    id: 'authenticationMethodsPolicy',
    displayName: 'Authentication Methods Policy',
    description: 'The authentication methods of the tenant and who may use them.',
    firstRegistrationRequiresTemporaryAccessPass: requiresTap,
    authenticationMethodConfigurations: [
      {
        '@odata.type': '#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration',
        id: 'TemporaryAccessPass',
        state: 'enabled',
        defaultLifetimeInMinutes: TAP_LIFETIME_MINUTES.default,
        minimumLifetimeInMinutes: TAP_LIFETIME_MINUTES.minimum,
        maximumLifetimeInMinutes: TAP_LIFETIME_MINUTES.maximum,
        defaultLength: 16,
        isUsableOnce: false,
      },
    ],
  };
}
