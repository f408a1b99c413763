import type { Subscription } from '../../partner-center/orders.ts';
import { iso } from '../responses.ts';

/** Partner Center's `Subscription` resource (SPEC E2: customer management). */
export function subscriptionShape(s: Subscription) {
  return {
    id: s.id,
    offerId: s.offerId,
    friendlyName: s.friendlyName,
    quantity: s.quantity,
    unitType: 'Licenses',
    creationDate: iso(s.createdAt),
    effectiveStartDate: iso(s.createdAt),
    commitmentEndDate: iso(s.commitmentEndAt),
    status: s.status,
    billingCycle: s.billingCycle,
    orderId: s.orderId,
    attributes: { objectType: 'Subscription' },
  };
}
