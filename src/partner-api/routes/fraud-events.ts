import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { PartnerApiError } from '../../errors/partner-api-errors.ts';
import { canonicalGuid } from '../../guid.ts';
import { EVENT_TYPES, SEVERITIES } from '../../security-alerts/event-types.ts';
import {
  changeFraudEventStatus,
  FraudEventError,
  type FraudEventFilter,
  listFraudEvents,
  raiseFraudEvent,
} from '../../security-alerts/fraud-events.ts';
import { namesOf, partnerCenterEvent } from '../../security-alerts/partner-center-shape.ts';
import { EVENT_STATUSES, type StatusChange } from '../../security-alerts/status-transitions.ts';
import { findCustomerSubscription } from '../../security-alerts/subscriptions.ts';
import { APP_USER_ONLY } from '../declarations.ts';
import { callerName, partnerOf } from './caller.ts';

interface ListQuery {
  EventStatus?: string;
  SubscriptionId?: string;
  EventType?: string;
  PageSize?: string;
  PageNumber?: string;
}

interface StatusBody {
  EventIds?: string[];
  EventStatus: (typeof EVENT_STATUSES)[number];
  ResolvedReason?: 'Fraud' | 'Ignore' | 'Legitimate';
}

interface RaiseBody {
  partnerTenantId: string;
  subscriptionId: string;
  eventType: (typeof EVENT_TYPES)[number];
  severity: (typeof SEVERITIES)[number];
  confidenceLevel: (typeof SEVERITIES)[number];
  displayName: string;
  description: string;
  entityName: string;
  serviceName: string;
  resourceName?: string;
  resourceGroupName?: string;
  country?: string;
  hitCount?: number;
  firstObserved: string;
  lastObserved: string;
  additionalDetails?: Record<string, string>;
  affectedResources?: { azureResourceId: string; type: string }[];
  isTest?: boolean;
}

/** Reference §5.1: the new events model is asked for with this header. */
function newModel(req: FastifyRequest): boolean {
  const value = req.headers['x-neweventsmodel'];
  return typeof value === 'string' && value.toLowerCase() === 'true';
}

function positive(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,6}$/.test(value)) return undefined;
  const n = Number(value);
  return n > 0 ? n : undefined;
}

function instant(value: string, field: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new PartnerApiError('invalid_request', `${field} is not a date and time.`, [field]);
  return ms;
}

/** Partner Center's fraud events (SPEC §13, reference §5.1–§5.2) and the operator's way to raise one. */
export function fraudEventRoutes(api: FastifyInstance, ctx: WardenContext): void {
  api.get<{ Querystring: ListQuery }>(
    '/fraudEvents',
    {
      config: {
        partnerApi: {
          operation: 'fraudevents.list',
          category: 'security-alerts',
          modes: APP_USER_ONLY,
          access: 'read',
        },
      },
      schema: {
        querystring: {
          type: 'object',
          properties: {
            EventStatus: { type: 'string', enum: [...EVENT_STATUSES] },
            SubscriptionId: { type: 'string', format: 'uuid' },
            EventType: { type: 'string', enum: [...EVENT_TYPES] },
            PageSize: { type: 'string', maxLength: 12 },
            PageNumber: { type: 'string', maxLength: 12 },
          },
        },
      },
    },
    async (req) => {
      const partner = partnerOf(req);
      const model = newModel(req);
      const filter: FraudEventFilter = {
        status: req.query.EventStatus as FraudEventFilter['status'],
        subscriptionId: canonicalGuid(req.query.SubscriptionId),
      };
      if (model) {
        filter.eventType = req.query.EventType;
        // Reference §5.1: paging only when both are positive; otherwise every event is answered.
        const size = positive(req.query.PageSize);
        const number = positive(req.query.PageNumber);
        if (size !== undefined && number !== undefined) filter.page = { size: Math.min(size, 1000), number };
      }
      const events = await listFraudEvents(ctx.db, partner.id, filter);
      const names = await namesOf(ctx.db, partner.id, events);
      // Reference §5.1: a bare JSON array, not Partner Center's collection.
      return events.map((e) => partnerCenterEvent(e, names, model));
    },
  );

  api.post<{ Params: { subscriptionId: string }; Body: StatusBody }>(
    '/fraudEvents/subscription/:subscriptionId/status',
    {
      config: {
        partnerApi: {
          operation: 'fraudevents.updatestatus',
          category: 'security-alerts',
          modes: APP_USER_ONLY,
          access: 'write',
        },
      },
      schema: {
        params: {
          type: 'object',
          required: ['subscriptionId'],
          properties: { subscriptionId: { type: 'string', format: 'uuid' } },
        },
        body: {
          type: 'object',
          required: ['EventStatus'],
          properties: {
            EventIds: {
              type: 'array',
              maxItems: 1000,
              items: { type: 'string', minLength: 1, maxLength: 120 },
            },
            EventStatus: { type: 'string', enum: [...EVENT_STATUSES] },
            // Reference §5.2 documents Fraud and Ignore; Warden also takes the dashboard's Legitimate.
            ResolvedReason: { type: 'string', enum: ['Fraud', 'Ignore', 'Legitimate'] },
          },
        },
      },
    },
    async (req) => {
      const partner = partnerOf(req);
      const subscriptionId = canonicalGuid(req.params.subscriptionId)!;
      // Only the partner's own customers' subscriptions (another partner's id is a 404, never a 403).
      if (!(await findCustomerSubscription(ctx.db, partner.id, subscriptionId)))
        throw new PartnerApiError('subscription_not_found', `No subscription ${subscriptionId}.`, [
          subscriptionId,
        ]);
      let change: StatusChange;
      if (req.body.EventStatus === 'Resolved') {
        // Reference §5.2: resolvedReason is required to resolve, Fraud or Ignore.
        if (!req.body.ResolvedReason)
          throw new PartnerApiError(
            'invalid_request',
            'ResolvedReason (Fraud, Ignore or Legitimate) is required to resolve.',
            ['ResolvedReason'],
          );
        change = { status: 'Resolved', reason: req.body.ResolvedReason };
      } else {
        change = { status: req.body.EventStatus };
      }
      try {
        const events = await changeFraudEventStatus(
          ctx.db,
          partner.id,
          subscriptionId,
          req.body.EventIds ?? [],
          change,
          callerName(req),
          ctx.clock.now(),
        );
        const names = await namesOf(ctx.db, partner.id, events);
        return events.map((e) => partnerCenterEvent(e, names, newModel(req)));
      } catch (error) {
        if (error instanceof FraudEventError)
          throw new PartnerApiError(
            error.code === 'event_not_found' ? 'fraud_event_not_found' : 'fraud_event_changed',
            error.message,
            error.data,
          );
        throw error;
      }
    },
  );

  // The operator raises an event on a partner's customer's subscription (issue 14 item 5).
  api.post<{ Body: RaiseBody }>(
    '/program/fraudEvents',
    {
      config: {
        partnerApi: {
          operation: 'program.fraudevents.create',
          category: 'program',
          modes: APP_USER_ONLY,
          access: 'write',
        },
      },
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: [
            'partnerTenantId',
            'subscriptionId',
            'eventType',
            'severity',
            'confidenceLevel',
            'displayName',
            'description',
            'entityName',
            'serviceName',
            'firstObserved',
            'lastObserved',
          ],
          properties: {
            partnerTenantId: { type: 'string', format: 'uuid' },
            subscriptionId: { type: 'string', format: 'uuid' },
            eventType: { type: 'string', enum: [...EVENT_TYPES] },
            severity: { type: 'string', enum: [...SEVERITIES] },
            confidenceLevel: { type: 'string', enum: [...SEVERITIES] },
            displayName: { type: 'string', minLength: 1, maxLength: 256 },
            description: { type: 'string', minLength: 1, maxLength: 8000 },
            entityName: { type: 'string', minLength: 1, maxLength: 256 },
            serviceName: { type: 'string', minLength: 1, maxLength: 128 },
            resourceName: { type: 'string', maxLength: 256 },
            resourceGroupName: { type: 'string', maxLength: 256 },
            country: { type: 'string', pattern: '^[A-Z]{2}$' },
            hitCount: { type: 'integer', minimum: 1, maximum: 1_000_000_000 },
            firstObserved: { type: 'string', maxLength: 40 },
            lastObserved: { type: 'string', maxLength: 40 },
            additionalDetails: {
              type: 'object',
              maxProperties: 50,
              additionalProperties: { type: 'string', maxLength: 1024 },
            },
            affectedResources: {
              type: 'array',
              maxItems: 100,
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['azureResourceId', 'type'],
                properties: {
                  azureResourceId: { type: 'string', minLength: 1, maxLength: 1024 },
                  type: { type: 'string', minLength: 1, maxLength: 256 },
                },
              },
            },
            isTest: { type: 'boolean' },
          },
        },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const partnerTenantId = canonicalGuid(b.partnerTenantId)!;
      const subscriptionId = canonicalGuid(b.subscriptionId)!;
      const subscription = await findCustomerSubscription(ctx.db, partnerTenantId, subscriptionId);
      if (!subscription)
        throw new PartnerApiError(
          'subscription_not_found',
          `No subscription ${subscriptionId} of partner ${partnerTenantId}.`,
          [subscriptionId],
        );
      const firstObservedAt = instant(b.firstObserved, 'firstObserved');
      const lastObservedAt = instant(b.lastObserved, 'lastObserved');
      if (lastObservedAt < firstObservedAt)
        throw new PartnerApiError('invalid_request', 'lastObserved is before firstObserved.', [
          'lastObserved',
        ]);
      const { event } = await raiseFraudEvent(
        ctx.db,
        ctx.config.baseUrl,
        {
          partnerTenantId,
          customerTenantId: subscription.customerTenantId,
          subscriptionId,
          eventType: b.eventType,
          severity: b.severity,
          confidenceLevel: b.confidenceLevel,
          displayName: b.displayName,
          description: b.description,
          entityName: b.entityName,
          serviceName: b.serviceName,
          ...(b.resourceName !== undefined ? { resourceName: b.resourceName } : {}),
          ...(b.resourceGroupName !== undefined ? { resourceGroupName: b.resourceGroupName } : {}),
          country: b.country ?? null,
          hitCount: b.hitCount ?? 1,
          firstObservedAt,
          lastObservedAt,
          additionalDetails: b.additionalDetails ?? {},
          affectedResources: b.affectedResources ?? [],
          isTest: b.isTest ?? false,
          source: 'operator',
          raisedBy: callerName(req),
        },
        ctx.clock.now(),
      );
      const names = await namesOf(ctx.db, partnerTenantId, [event]);
      return reply.code(201).send(partnerCenterEvent(event, names, true));
    },
  );
}
