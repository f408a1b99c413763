import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { PartnerApiError } from '../../errors/partner-api-errors.ts';
import { OrderLineError, placeOrder } from '../../partner-center/orders.ts';
import { BOTH } from '../declarations.ts';
import { callerName } from './caller.ts';
import { customerOf } from './customers.ts';
import { CUSTOMER_ID_PARAM } from './customers-shape.ts';
import { ORDER_BODY, type OrderBody, orderShape } from './orders-shape.ts';

/** Orders placed for a customer (SPEC E2: transactions). */
export function orderRoutes(api: FastifyInstance, ctx: WardenContext): void {
  api.post<{ Params: { id: string }; Body: OrderBody }>(
    '/customers/:id/orders',
    {
      config: {
        partnerApi: { operation: 'orders.create', category: 'transactions', modes: BOTH, access: 'write' },
      },
      schema: { params: CUSTOMER_ID_PARAM, body: ORDER_BODY },
    },
    async (req, reply) => {
      const customer = await customerOf(ctx, req);
      if (req.body.referenceCustomerId && req.body.referenceCustomerId !== customer.id) {
        throw new PartnerApiError(
          'invalid_request',
          'referenceCustomerId does not match the customer of the path.',
        );
      }
      const numbers = req.body.lineItems.map((l) => l.lineItemNumber);
      if (new Set(numbers).size !== numbers.length) {
        throw new PartnerApiError('invalid_request', 'Each line item needs its own lineItemNumber.');
      }
      try {
        const order = await placeOrder(
          ctx.db,
          customer,
          req.body.lineItems,
          callerName(req),
          ctx.clock.now(),
        );
        return reply.code(201).send(orderShape(order));
      } catch (error) {
        if (error instanceof OrderLineError) {
          throw new PartnerApiError(
            'invalid_request',
            `Line item ${error.lineItemNumber}: ${error.message}`,
            [{ lineItemNumber: error.lineItemNumber }],
          );
        }
        throw error;
      }
    },
  );
}
