import { Refusal } from '../errors/catalogued-error.ts';
import { type Db, inTransaction } from '../storage/database.ts';
import type { SubscriptionTable } from '../storage/schema.ts';
import type { Customer } from './customers.ts';
import { consumedSeats, lockSubscriptionsOf, seatsOf, skuIdOf } from './licenses.ts';
import { type Subscription, toSubscription } from './orders.ts';

/**
 * Changes of a subscription that Partner Center's `PATCH /customers/{id}/subscriptions/{id}`
 * makes (pc:developer/change-the-quantity-of-a-subscription.md, suspend-a-subscription.md,
 * reactivate-a-suspended-a-subscription.md): its seats, whether it renews, active or suspended.
 */
export interface SubscriptionChanges {
  quantity?: number;
  autoRenewEnabled?: boolean;
  status?: 'active' | 'suspended';
}

export type SubscriptionErrorCode =
  | 'not_found'
  | 'etag_stale'
  | 'quantity_out_of_range'
  | 'suspended'
  | 'seats_in_use';

export class SubscriptionError extends Refusal<SubscriptionErrorCode> {
  readonly data: unknown[];
  constructor(code: SubscriptionErrorCode, message: string, data: unknown[] = []) {
    super(code, message);
    this.data = data;
  }
}

/** A customer's subscription by id, scoped to the partner and the customer; undefined otherwise. */
export async function getSubscription(
  db: Db,
  customer: Customer,
  subscriptionId: string,
): Promise<Subscription | undefined> {
  const row = await db
    .selectFrom('subscriptions')
    .selectAll()
    .where('tenant_id', '=', customer.partnerTenantId)
    .where('customer_id', '=', customer.id)
    .where('id', '=', subscriptionId)
    .executeTakeFirst();
  return row ? toSubscription(row) : undefined;
}

/**
 * Applies `changes` to the subscription as read at `version` (its etag), in one transaction:
 * - the update is conditional on the version (`WHERE version = ?`), so of two changes made from
 *   the same read the database lets exactly one win, and the other is `etag_stale`;
 * - a suspended subscription changes nothing but its status (Partner Center 800091);
 * - the quantity stays within the offer's minimum and maximum (2002);
 * - licences are seats (licenses.ts): lowering the seats of an SKU, or suspending, below the
 *   licences its users hold is refused. On PostgreSQL the SKU's subscription rows are locked in the
 *   order licence assignments lock them, so an assignment and a reduction cannot both pass.
 */
export async function updateSubscription(
  db: Db,
  kind: 'sqlite' | 'postgres',
  customer: Customer,
  subscriptionId: string,
  version: number,
  changes: SubscriptionChanges,
): Promise<Subscription> {
  return inTransaction(db, async (trx) => {
    const current = await getSubscription(trx, customer, subscriptionId);
    if (!current) throw new SubscriptionError('not_found', `No subscription ${subscriptionId}.`);
    if (current.version !== version)
      throw new SubscriptionError('etag_stale', 'The subscription changed since this etag was read.');
    const status = changes.status ?? current.status;
    const quantity = changes.quantity ?? current.quantity;
    const autoRenew = changes.autoRenewEnabled ?? current.autoRenewEnabled;
    if (status === 'suspended' && (quantity !== current.quantity || autoRenew !== current.autoRenewEnabled))
      throw new SubscriptionError(
        'suspended',
        'A suspended subscription changes only its status: reactivate it (status active) to change it.',
      );
    if (quantity !== current.quantity) await checkQuantity(trx, current.offerId, quantity);
    const seatsBefore = current.status === 'active' ? current.quantity : 0;
    const seatsAfter = status === 'active' ? quantity : 0;
    if (seatsAfter < seatsBefore) {
      if (kind === 'postgres') await lockSubscriptionsOf(trx, customer.customerTenantId, current.offerId);
      const total = await seatsOf(trx, customer.customerTenantId, current.offerId);
      const skuId = skuIdOf(current.offerId);
      const used = await consumedSeats(trx, customer.customerTenantId, skuId);
      const totalUnits = total - seatsBefore + seatsAfter;
      if (used > totalUnits)
        throw new SubscriptionError(
          'seats_in_use',
          `${used} licences of ${current.friendlyName} are assigned; the change would leave ${totalUnits} seats.`,
          [{ skuId, totalUnits, consumedUnits: used }],
        );
    }
    const result = await trx
      .updateTable('subscriptions')
      .set({
        quantity,
        status,
        auto_renew_enabled: autoRenew ? 1 : 0,
        version: version + 1,
      } satisfies Partial<SubscriptionTable>)
      .where('tenant_id', '=', customer.partnerTenantId)
      .where('customer_id', '=', customer.id)
      .where('id', '=', subscriptionId)
      .where('version', '=', version)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1)
      throw new SubscriptionError('etag_stale', 'Another change of the subscription won; read it again.');
    return { ...current, quantity, status, autoRenewEnabled: autoRenew, version: version + 1 };
  });
}

async function checkQuantity(db: Db, offerId: string, quantity: number): Promise<void> {
  const offer = await db
    .selectFrom('offers')
    .select(['min_quantity', 'max_quantity'])
    .where('id', '=', offerId)
    .executeTakeFirst();
  if (!offer) throw new SubscriptionError('not_found', `No offer ${offerId}.`);
  if (quantity < offer.min_quantity || quantity > offer.max_quantity)
    throw new SubscriptionError(
      'quantity_out_of_range',
      `Quantity must be between ${offer.min_quantity} and ${offer.max_quantity}.`,
      [{ minimumQuantity: offer.min_quantity, maximumQuantity: offer.max_quantity }],
    );
}
