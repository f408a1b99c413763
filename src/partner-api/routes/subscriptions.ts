import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { PartnerApiError, type PartnerApiErrorCode } from '../../errors/partner-api-errors.ts';
import { offerNames } from '../../partner-center/catalog.ts';
import type { Customer } from '../../partner-center/customers.ts';
import { listSubscriptions, type Subscription } from '../../partner-center/orders.ts';
import {
  getSubscription,
  SubscriptionError,
  type SubscriptionErrorCode,
  updateSubscription,
} from '../../partner-center/subscriptions.ts';
import { BOTH } from '../declarations.ts';
import { collection } from '../responses.ts';
import { customerOf } from './customers.ts';
import {
  changesOf,
  etagSent,
  SUBSCRIPTION_PATCH_BODY,
  type SubscriptionPatchBody,
} from './subscription-patch.ts';
import { subscriptionShape, versionOf } from './subscriptions-shape.ts';

const SUBSCRIPTION_PARAMS = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    subscriptionId: { type: 'string', format: 'uuid' },
  },
  required: ['id', 'subscriptionId'],
} as const;

type Params = { id: string; subscriptionId: string };

const REFUSALS: Record<SubscriptionErrorCode, PartnerApiErrorCode> = {
  not_found: 'subscription_not_found',
  etag_stale: 'etag_stale',
  quantity_out_of_range: 'quantity_out_of_range',
  suspended: 'subscription_suspended',
  seats_in_use: 'license_seats_in_use',
};

async function shapes(ctx: WardenContext, customer: Customer, subscriptions: Subscription[]) {
  const names = await offerNames(
    ctx.db,
    subscriptions.map((s) => s.offerId),
  );
  return subscriptions.map((s) => subscriptionShape(s, customer, names.get(s.offerId) ?? s.friendlyName));
}

/**
 * A customer's subscriptions (SPEC E2: customer management; pc:developer/get-a-subscription-by-id.md):
 * the list, one by id, and Partner Center's PATCH of quantity, auto-renewal and status (a
 * transaction: the Admin and Sales agents'). A subscription of another customer, or of another
 * partner's customer, is 404 like one that does not exist.
 */
export function subscriptionRoutes(api: FastifyInstance, ctx: WardenContext): void {
  api.get<{ Params: { id: string } }>(
    '/customers/:id/subscriptions',
    {
      config: {
        partnerApi: {
          operation: 'subscriptions.list',
          category: 'customer-management',
          modes: BOTH,
          access: 'read',
        },
      },
      schema: {
        params: {
          type: 'object',
          properties: { id: { type: 'string', format: 'uuid' } },
          required: ['id'],
        },
      },
    },
    async (req) => {
      const customer = await customerOf(ctx, req);
      const subscriptions = await listSubscriptions(ctx.db, customer.partnerTenantId, customer.id);
      return collection(await shapes(ctx, customer, subscriptions), req.url);
    },
  );

  api.get<{ Params: Params }>(
    '/customers/:id/subscriptions/:subscriptionId',
    {
      config: {
        partnerApi: {
          operation: 'subscriptions.get',
          category: 'customer-management',
          modes: BOTH,
          access: 'read',
        },
      },
      schema: { params: SUBSCRIPTION_PARAMS },
    },
    async (req) => {
      const customer = await customerOf(ctx, req);
      const subscription = await getSubscription(ctx.db, customer, req.params.subscriptionId);
      if (!subscription)
        throw new PartnerApiError(
          'subscription_not_found',
          `Subscription with id ${req.params.subscriptionId} not found.`,
        );
      return (await shapes(ctx, customer, [subscription]))[0];
    },
  );

  api.patch<{ Params: Params; Body: SubscriptionPatchBody }>(
    '/customers/:id/subscriptions/:subscriptionId',
    {
      config: {
        partnerApi: {
          operation: 'subscriptions.update',
          category: 'transactions',
          modes: BOTH,
          access: 'write',
        },
      },
      schema: { params: SUBSCRIPTION_PARAMS, body: SUBSCRIPTION_PATCH_BODY },
    },
    async (req) => {
      const customer = await customerOf(ctx, req);
      const { subscriptionId } = req.params;
      const current = await getSubscription(ctx.db, customer, subscriptionId);
      if (!current)
        throw new PartnerApiError(
          'subscription_not_found',
          `Subscription with id ${subscriptionId} not found.`,
        );
      const ifMatch = req.headers['if-match'];
      const etag = etagSent(req.body, typeof ifMatch === 'string' ? ifMatch : undefined);
      if (etag === undefined) throw new PartnerApiError('etag_required');
      const version = versionOf(etag, subscriptionId);
      if (version === undefined)
        throw new PartnerApiError('etag_stale', 'This is not an etag of the subscription.');
      const changes = changesOf(req.body, current);
      try {
        const updated = await updateSubscription(
          ctx.db,
          ctx.dbKind,
          customer,
          subscriptionId,
          version,
          changes,
        );
        return (await shapes(ctx, customer, [updated]))[0];
      } catch (error) {
        if (error instanceof SubscriptionError)
          throw new PartnerApiError(REFUSALS[error.code], error.message, error.data);
        throw error;
      }
    },
  );
}
