import type { FastifyInstance } from 'fastify';
import { recordAuditEvent } from '../../audit/audit-events.ts';
import {
  isAaguid,
  type PasskeySettings,
  passkeySettings,
  setPasskeySettings,
} from '../../authentication-methods/passkeys/settings.ts';
import type { WardenContext } from '../../context.ts';
import { GraphError } from '../../errors/graph-errors.ts';
import { inTransaction } from '../../storage/database.ts';
import { graphCallerOf } from '../gate.ts';
import { sendEntity } from '../responses.ts';
import { auditActorOf } from './delegated-admin-shape.ts';

const RESOURCE = 'policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Fido2';

/** The most AAGUIDs a key-restriction list holds (a list of authenticator models, not of keys). */
const MAX_AAGUIDS = 100;

interface Fido2Patch {
  isAttestationEnforced?: boolean;
  keyRestrictions?: { isEnforced?: boolean; enforcementType?: 'allow' | 'block'; aaGuids?: string[] };
  isPasswordlessSignInAllowed?: boolean;
}

/**
 * Graph `fido2AuthenticationMethodConfiguration` (reference §3.2, §4.1; issue 15 item 1): the
 * tenant's passkey rules — attestation enforced at registration, and key restrictions (an allow or
 * block list of AAGUIDs) applied at registration and at every sign-in. Passkeys are always enabled
 * for all users and self-service registration always allowed (Warden has no method targeting);
 * `isPasswordlessSignInAllowed` is Warden's own property: whether the first sign-in page offers
 * username-less passkey sign-in (on by default, as Entra does wherever FIDO2 is enabled).
 */
export function authenticationMethodsFido2Routes(api: FastifyInstance, ctx: WardenContext): void {
  api.get(
    `/${RESOURCE}`,
    {
      config: {
        graph: { operation: 'fido2MethodConfiguration.get', permission: 'authenticationMethodsPolicy.read' },
      },
    },
    async (req, reply) => {
      const { tenantId } = graphCallerOf(req);
      return sendEntity(reply, {
        baseUrl: ctx.config.baseUrl,
        resource: `${RESOURCE}/$entity`,
        entity: configurationOf(await passkeySettings(ctx.db, tenantId)),
      });
    },
  );

  api.patch<{ Body: Fido2Patch }>(
    `/${RESOURCE}`,
    {
      config: {
        graph: {
          operation: 'fido2MethodConfiguration.update',
          permission: 'authenticationMethodsPolicy.write',
        },
      },
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            '@odata.type': { const: '#microsoft.graph.fido2AuthenticationMethodConfiguration' },
            isAttestationEnforced: { type: 'boolean' },
            isPasswordlessSignInAllowed: { type: 'boolean' },
            keyRestrictions: {
              type: 'object',
              additionalProperties: false,
              properties: {
                isEnforced: { type: 'boolean' },
                enforcementType: { enum: ['allow', 'block'] },
                aaGuids: { type: 'array', maxItems: MAX_AAGUIDS, items: { type: 'string', maxLength: 36 } },
              },
            },
          },
        },
      },
    },
    async (req, reply) => {
      const caller = graphCallerOf(req);
      const now = ctx.clock.now();
      const actor = await auditActorOf(ctx, caller);
      await inTransaction(ctx.db, async (trx) => {
        const current = await passkeySettings(trx, caller.tenantId);
        const next = patched(current, req.body);
        await setPasskeySettings(trx, caller.tenantId, next, now);
        await recordAuditEvent(
          trx,
          [caller.tenantId],
          {
            category: 'Policy',
            activity: 'Authentication methods policy update',
            actor,
            target: { type: 'fido2AuthenticationMethodConfiguration', id: 'Fido2' },
            details: { before: configurationOf(current), after: configurationOf(next) },
          },
          now,
        );
      });
      return reply.code(204).send();
    },
  );
}

/** The settings after a PATCH: only the properties sent change; AAGUIDs must be GUIDs. */
function patched(current: PasskeySettings, body: Fido2Patch): PasskeySettings {
  const restrictions = body.keyRestrictions;
  const aaguids = (restrictions?.aaGuids ?? current.aaguids).map((a) => a.toLowerCase());
  const invalid = aaguids.find((a) => !isAaguid(a));
  if (invalid !== undefined)
    throw new GraphError('Request_BadRequest', `keyRestrictions.aaGuids: "${invalid}" is not an AAGUID.`);
  const enforced =
    restrictions?.isEnforced ?? (restrictions?.enforcementType !== undefined || current.aaguidMode !== 'off');
  const type = restrictions?.enforcementType ?? (current.aaguidMode === 'allow' ? 'allow' : 'block');
  const currentType = current.aaguidMode === 'allow' ? 'allow' : 'block';
  // A list turned from block to allow (or back) would mean its opposite at the next sign-in: the
  // caller says which AAGUIDs the new kind of list holds.
  if (
    restrictions?.enforcementType !== undefined &&
    type !== currentType &&
    restrictions.aaGuids === undefined
  )
    throw new GraphError(
      'Request_BadRequest',
      'keyRestrictions.aaGuids is required when keyRestrictions.enforcementType changes.',
    );
  // An enforced allow list that names nothing would refuse every passkey of the tenant at sign-in.
  if (enforced && type === 'allow' && aaguids.length === 0)
    throw new GraphError('Request_BadRequest', 'An enforced allow list must name at least one AAGUID.');
  return {
    attestation:
      body.isAttestationEnforced === undefined
        ? current.attestation
        : body.isAttestationEnforced
          ? 'enforced'
          : 'none',
    aaguidMode: enforced ? type : 'off',
    aaguids: [...new Set(aaguids)],
    passwordless: body.isPasswordlessSignInAllowed ?? current.passwordless,
  };
}

function configurationOf(settings: PasskeySettings) {
  return {
    '@odata.type': '#microsoft.graph.fido2AuthenticationMethodConfiguration',
    id: 'Fido2',
    state: 'enabled',
    isSelfServiceRegistrationAllowed: true,
    isAttestationEnforced: settings.attestation === 'enforced',
    keyRestrictions: {
      isEnforced: settings.aaguidMode !== 'off',
      enforcementType: settings.aaguidMode === 'allow' ? 'allow' : 'block',
      aaGuids: settings.aaguids,
    },
    isPasswordlessSignInAllowed: settings.passwordless,
    includeTargets: [{ targetType: 'group', id: 'all_users', isRegistrationRequired: false }],
    excludeTargets: [],
  };
}
