import type { PartnerRole } from '../partner-center/access.ts';
import { getCustomer } from '../partner-center/customers.ts';
import { SubscriptionError, updateSubscription } from '../partner-center/subscriptions.ts';
import { type Db, inTransaction } from '../storage/database.ts';
import { changeFraudEventStatus, type FraudEvent } from './fraud-events.ts';
import { findCustomerSubscription } from './subscriptions.ts';

/**
 * Reference §5.3: cancelling (here: suspending) a subscription from the alerts page needs BOTH
 * the Global Administrator and the Admin agent role.
 */
export const SUSPEND_ROLES: readonly PartnerRole[] = ['Global Administrator', 'AdminAgents'];

export function maySuspend(roles: ReadonlySet<PartnerRole>): boolean {
  return SUSPEND_ROLES.every((r) => roles.has(r));
}

/**
 * Suspends a customer's subscription through the subscription code (its checks: licences in use,
 * the version it was read at) and resolves every event of the subscription as `Fraud`, in one
 * transaction: either both happen or neither. An already suspended subscription only has its
 * events resolved. Throws SubscriptionError (`not_found`, `etag_stale`, `seats_in_use`) or the
 * event store's refusals.
 */
export async function suspendForFraud(
  db: Db,
  kind: 'sqlite' | 'postgres',
  partnerTenantId: string,
  subscriptionId: string,
  resolvedBy: string,
  now: number,
): Promise<FraudEvent[]> {
  return inTransaction(db, async (trx) => {
    const subscription = await findCustomerSubscription(trx, partnerTenantId, subscriptionId);
    if (!subscription) throw new SubscriptionError('not_found', `No subscription ${subscriptionId}.`);
    if (subscription.status === 'active') {
      const customer = await getCustomer(trx, partnerTenantId, subscription.customerId);
      if (!customer)
        throw new SubscriptionError('not_found', `No customer of subscription ${subscriptionId}.`);
      await updateSubscription(trx, kind, customer, subscriptionId, subscription.version, {
        status: 'suspended',
      });
    }
    return changeFraudEventStatus(
      trx,
      partnerTenantId,
      subscriptionId,
      [],
      { status: 'Resolved', reason: 'Fraud' },
      resolvedBy,
      now,
    );
  });
}
