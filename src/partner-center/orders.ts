import { randomUUID } from 'node:crypto';
import { type Db, inTransaction } from '../storage/database.ts';
import type { SubscriptionTable } from '../storage/schema.ts';
import { findOffer, type PricedOffer } from './catalog.ts';
import type { Customer } from './customers.ts';

export interface OrderLine {
  lineItemNumber: number;
  offerId: string;
  quantity: number;
  friendlyName?: string;
}

export interface Order {
  id: string;
  customerId: string;
  currency: string;
  status: 'completed';
  lineItems: (OrderLine & { subscriptionId: string })[];
  createdBy: string;
  createdAt: number;
}

export interface Subscription {
  id: string;
  customerId: string;
  orderId: string;
  offerId: string;
  friendlyName: string;
  quantity: number;
  status: SubscriptionTable['status'];
  billingCycle: SubscriptionTable['billing_cycle'];
  currency: string;
  unitPriceCents: number;
  createdAt: number;
  commitmentEndAt: number;
  /** Partner Center's `autoRenewEnabled`. */
  autoRenewEnabled: boolean;
  /** What the subscription's etag names: one more with each change (subscriptions.ts). */
  version: number;
}

/** Why an order line cannot be placed: the caller turns it into a 400 naming the line. */
export class OrderLineError extends Error {
  readonly lineItemNumber: number;
  constructor(lineItemNumber: number, message: string) {
    super(message);
    this.lineItemNumber = lineItemNumber;
  }
}

const YEAR_MS = 365 * 24 * 3600 * 1000;
const MONTH_MS = 30 * 24 * 3600 * 1000;

/**
 * Places an order for a customer: every line is checked against the catalog of the customer's
 * country first, then the order and one subscription per line are written in one transaction,
 * so a bad line leaves nothing behind.
 */
export async function placeOrder(
  db: Db,
  customer: Customer,
  lines: OrderLine[],
  createdBy: string,
  now: number,
): Promise<Order> {
  const priced: { line: OrderLine; offer: PricedOffer }[] = [];
  for (const line of lines) {
    const offer = await findOffer(db, line.offerId, customer.country);
    if (!offer) {
      throw new OrderLineError(
        line.lineItemNumber,
        `Offer ${line.offerId} is not sold in ${customer.country}.`,
      );
    }
    if (line.quantity < offer.minQuantity || line.quantity > offer.maxQuantity) {
      throw new OrderLineError(
        line.lineItemNumber,
        `Quantity must be between ${offer.minQuantity} and ${offer.maxQuantity} for ${offer.name}.`,
      );
    }
    priced.push({ line, offer });
  }
  const currency = priced[0]?.offer.currency ?? 'USD';
  const order: Order = {
    id: randomUUID(),
    customerId: customer.id,
    currency,
    status: 'completed',
    lineItems: priced.map(({ line }) => ({ ...line, subscriptionId: randomUUID() })),
    createdBy,
    createdAt: now,
  };
  await inTransaction(db, async (trx) => {
    await trx
      .insertInto('orders')
      .values({
        tenant_id: customer.partnerTenantId,
        id: order.id,
        customer_id: customer.id,
        currency,
        status: order.status,
        line_items: JSON.stringify(order.lineItems),
        created_by: createdBy,
        created_at: now,
      })
      .execute();
    for (const [i, { line, offer }] of priced.entries()) {
      await trx
        .insertInto('subscriptions')
        .values({
          tenant_id: customer.partnerTenantId,
          id: order.lineItems[i]!.subscriptionId,
          customer_id: customer.id,
          order_id: order.id,
          offer_id: offer.id,
          friendly_name: line.friendlyName ?? offer.name,
          quantity: line.quantity,
          status: 'active',
          billing_cycle: offer.billingCycle,
          currency: offer.currency,
          unit_price_cents: offer.unitPriceCents,
          created_at: now,
          commitment_end_at: now + (offer.billingCycle === 'annual' ? YEAR_MS : MONTH_MS),
          auto_renew_enabled: 1,
          version: 1,
        })
        .execute();
    }
  });
  return order;
}

export async function listSubscriptions(
  db: Db,
  partnerTenantId: string,
  customerId: string,
): Promise<Subscription[]> {
  const rows = await db
    .selectFrom('subscriptions')
    .selectAll()
    .where('tenant_id', '=', partnerTenantId)
    .where('customer_id', '=', customerId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toSubscription);
}

export function toSubscription(r: SubscriptionTable): Subscription {
  return {
    id: r.id,
    customerId: r.customer_id,
    orderId: r.order_id,
    offerId: r.offer_id,
    friendlyName: r.friendly_name,
    quantity: r.quantity,
    status: r.status,
    billingCycle: r.billing_cycle,
    currency: r.currency,
    unitPriceCents: r.unit_price_cents,
    createdAt: Number(r.created_at),
    commitmentEndAt: Number(r.commitment_end_at),
    autoRenewEnabled: Number(r.auto_renew_enabled) === 1,
    version: Number(r.version),
  };
}
