import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { listSubscriptions } from '../../partner-center/orders.ts';
import { BOTH } from '../declarations.ts';
import { collection } from '../responses.ts';
import { customerOf } from './customers.ts';
import { CUSTOMER_ID_PARAM } from './customers-shape.ts';
import { subscriptionShape } from './subscriptions-shape.ts';

/** A customer's subscriptions (SPEC E2: customer management). */
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
      schema: { params: CUSTOMER_ID_PARAM },
    },
    async (req) => {
      const customer = await customerOf(ctx, req);
      const subscriptions = await listSubscriptions(ctx.db, customer.partnerTenantId, customer.id);
      return collection(subscriptions.map(subscriptionShape), req.url);
    },
  );
}
