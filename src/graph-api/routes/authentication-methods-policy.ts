import type { FastifyInstance } from 'fastify';
import { TAP_LIFETIME_MINUTES } from '../../authentication-methods/temporary-access-pass/passes.ts';
import {
  firstRegistrationRequiresTap,
  setFirstRegistrationRequiresTap,
} from '../../authentication-methods/temporary-access-pass/registration-setting.ts';
import type { WardenContext } from '../../context.ts';
import { graphCallerOf } from '../gate.ts';
import { sendEntity } from '../responses.ts';

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
      const { tenantId } = graphCallerOf(req);
      await setFirstRegistrationRequiresTap(
        ctx.db,
        tenantId,
        req.body.firstRegistrationRequiresTemporaryAccessPass,
        ctx.clock.now(),
      );
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
