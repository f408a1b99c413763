import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { getTenant, setSecurityDefaults } from '../../directory/tenants.ts';
import { GraphError } from '../../errors/graph-errors.ts';
import { graphCallerOf } from '../gate.ts';
import { sendEntity } from '../responses.ts';

const RESOURCE = 'policies/identitySecurityDefaultsEnforcementPolicy';
// Graph's fixed id of this singleton policy.
const POLICY_ID = '00000000-0000-0000-0000-000000000005';

/** Graph's `identitySecurityDefaultsEnforcementPolicy`: the tenant's security defaults switch (SPEC §5). */
export function securityDefaultsRoutes(api: FastifyInstance, ctx: WardenContext): void {
  api.get(
    `/${RESOURCE}`,
    { config: { graph: { operation: 'securityDefaults.get', permission: 'policy.read' } } },
    async (req, reply) => {
      const tenant = await getTenant(ctx.db, graphCallerOf(req).tenantId);
      return sendEntity(reply, {
        baseUrl: ctx.config.baseUrl,
        resource: `${RESOURCE}/$entity`,
        entity: policyOf(tenant?.security_defaults === 1),
      });
    },
  );

  api.patch<{ Body: { isEnabled: boolean } }>(
    `/${RESOURCE}`,
    {
      config: { graph: { operation: 'securityDefaults.update', permission: 'policy.write' } },
      schema: {
        body: {
          type: 'object',
          required: ['isEnabled'],
          additionalProperties: false,
          properties: { isEnabled: { type: 'boolean' } },
        },
      },
    },
    async (req, reply) => {
      const { tenantId } = graphCallerOf(req);
      const tenant = await getTenant(ctx.db, tenantId);
      // SPEC §5: security defaults are not available while the tenant has its own MFA policy.
      if (req.body.isEnabled && tenant?.require_mfa_all_users === 1) {
        throw new GraphError(
          'Request_BadRequest',
          'Security defaults cannot be turned on while the tenant has its own policy requiring MFA for every user. Turn that policy off first.',
        );
      }
      await setSecurityDefaults(ctx.db, tenantId, req.body.isEnabled, ctx.clock.now());
      return reply.code(204).send();
    },
  );
}

function policyOf(isEnabled: boolean) {
  return {
    id: POLICY_ID,
    displayName: 'Security Defaults',
    description:
      'One switch for basic protection: every user registers for MFA, administrators do MFA at every sign-in, and legacy authentication is blocked.',
    isEnabled,
  };
}
