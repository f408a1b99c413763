import type { Order } from '../../partner-center/orders.ts';
import { iso } from '../responses.ts';

/** Partner Center's `Order` resource (SPEC E2: transactions). */
export function orderShape(o: Order) {
  return {
    id: o.id,
    referenceCustomerId: o.customerId,
    lineItems: o.lineItems.map((l) => ({
      lineItemNumber: l.lineItemNumber,
      offerId: l.offerId,
      subscriptionId: l.subscriptionId,
      quantity: l.quantity,
      friendlyName: l.friendlyName,
    })),
    creationDate: iso(o.createdAt),
    status: o.status,
    currencyCode: o.currency,
    attributes: { objectType: 'Order' },
  };
}

export const ORDER_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['lineItems'],
  properties: {
    referenceCustomerId: { type: 'string' },
    lineItems: {
      type: 'array',
      minItems: 1,
      maxItems: 50,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['lineItemNumber', 'offerId', 'quantity'],
        properties: {
          lineItemNumber: { type: 'integer', minimum: 0 },
          offerId: { type: 'string', minLength: 1, maxLength: 64 },
          quantity: { type: 'integer', minimum: 1 },
          friendlyName: { type: 'string', minLength: 1, maxLength: 256 },
        },
      },
    },
  },
} as const;

export interface OrderBody {
  referenceCustomerId?: string;
  lineItems: { lineItemNumber: number; offerId: string; quantity: number; friendlyName?: string }[];
}
