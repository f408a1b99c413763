import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { PartnerApiError, type PartnerApiErrorCode } from '../../errors/partner-api-errors.ts';
import { canonicalGuid } from '../../guid.ts';
import { listDeliveries } from '../../security-alerts/webhook-deliveries.ts';
import {
  deleteWebhook,
  listWebhooks,
  registerWebhook,
  WEBHOOK_EVENTS,
  WebhookError,
  type WebhookErrorCode,
  type WebhookRegistration,
} from '../../security-alerts/webhook-registrations.ts';
import { APP_USER_ONLY } from '../declarations.ts';
import { iso } from '../responses.ts';
import { partnerOf } from './caller.ts';

const ERRORS: Record<WebhookErrorCode, PartnerApiErrorCode> = {
  url_refused: 'webhook_url_refused',
  unknown_event: 'invalid_request',
  already_registered: 'conflict',
  too_many: 'webhook_limit_reached',
  not_found: 'not_found',
};

function registrationShape(r: WebhookRegistration) {
  return { SubscriberId: r.id, WebhookUrl: r.url, WebhookEvents: r.events, CreatedDate: iso(r.createdAt) };
}

/**
 * Webhooks for `azure-fraud-event-detected` (reference §5.3, issue 14 item 5), shaped after Partner
 * Center's registration (`WebhookUrl`, `WebhookEvents`, `SubscriberId`); unlike Partner Center, a
 * partner may register several URLs, and each delivery is signed with the registration's own
 * HMAC secret (docs/security-alerts.md).
 */
export function webhookRoutes(api: FastifyInstance, ctx: WardenContext): void {
  api.post<{ Body: { WebhookUrl: string; WebhookEvents: string[] } }>(
    '/webhooks/registration',
    {
      config: {
        partnerApi: {
          operation: 'webhooks.register',
          category: 'security-alerts',
          modes: APP_USER_ONLY,
          access: 'write',
        },
      },
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['WebhookUrl', 'WebhookEvents'],
          properties: {
            WebhookUrl: { type: 'string', minLength: 1, maxLength: 2048 },
            WebhookEvents: {
              type: 'array',
              minItems: 1,
              maxItems: 10,
              items: { type: 'string', enum: [...WEBHOOK_EVENTS] },
            },
          },
        },
      },
    },
    async (req, reply) => {
      try {
        const created = await registerWebhook(
          ctx.db,
          ctx.secrets,
          ctx.config.webhookAllowLoopback,
          partnerOf(req).id,
          req.body.WebhookUrl,
          req.body.WebhookEvents,
          ctx.clock.now(),
        );
        // The secret is shown this once (it is kept sealed and never answered again).
        return reply.code(201).send({ ...registrationShape(created), SigningSecret: created.secret });
      } catch (error) {
        if (error instanceof WebhookError) throw new PartnerApiError(ERRORS[error.code], error.message);
        throw error;
      }
    },
  );

  api.get(
    '/webhooks/registration',
    {
      config: {
        partnerApi: {
          operation: 'webhooks.list',
          category: 'security-alerts',
          modes: APP_USER_ONLY,
          access: 'read',
        },
      },
    },
    async (req) => (await listWebhooks(ctx.db, partnerOf(req).id)).map(registrationShape),
  );

  api.delete<{ Params: { id: string } }>(
    '/webhooks/registration/:id',
    {
      config: {
        partnerApi: {
          operation: 'webhooks.delete',
          category: 'security-alerts',
          modes: APP_USER_ONLY,
          access: 'write',
        },
      },
      schema: {
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' } } },
      },
    },
    async (req, reply) => {
      try {
        await deleteWebhook(ctx.db, partnerOf(req).id, canonicalGuid(req.params.id)!);
      } catch (error) {
        if (error instanceof WebhookError) throw new PartnerApiError(ERRORS[error.code], error.message);
        throw error;
      }
      return reply.code(204).send();
    },
  );

  // Delivery state (issue 14 item 5): what was sent, how often, what came back.
  api.get(
    '/webhooks/deliveries',
    {
      config: {
        partnerApi: {
          operation: 'webhooks.deliveries',
          category: 'security-alerts',
          modes: APP_USER_ONLY,
          access: 'read',
        },
      },
    },
    async (req) =>
      (await listDeliveries(ctx.db, partnerOf(req).id)).map((d) => ({
        id: d.id,
        subscriberId: d.registrationId,
        eventId: d.eventId,
        state: d.state,
        attempts: d.attempts,
        nextAttemptDate: d.nextAttemptAt === null ? null : iso(d.nextAttemptAt),
        lastStatusCode: d.lastStatus,
        lastError: d.lastError,
        createdDate: iso(d.createdAt),
        deliveredDate: d.deliveredAt === null ? null : iso(d.deliveredAt),
      })),
  );
}
