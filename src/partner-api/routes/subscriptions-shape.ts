import type { Customer } from '../../partner-center/customers.ts';
import type { Subscription } from '../../partner-center/orders.ts';
import { iso, selfLink } from '../responses.ts';

/**
 * A subscription's etag (pc:developer/subscription-resources.md, `attributes.etag`): like Partner
 * Center's, base64 of `{"id","version"}`; a change needs the etag of the version it was made from.
 */
export function etagOf(s: Pick<Subscription, 'id' | 'version'>): string {
  return Buffer.from(JSON.stringify({ id: s.id, version: s.version })).toString('base64');
}

/**
 * The version an etag names for this subscription, or undefined when it is not one of its etags.
 * An `If-Match` value may be quoted or weak (RFC 9110 §8.8.3); both forms are read.
 */
export function versionOf(etag: string, subscriptionId: string): number | undefined {
  const bare = etag
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1');
  try {
    const named = JSON.parse(Buffer.from(bare, 'base64').toString('utf8')) as {
      id?: unknown;
      version?: unknown;
    };
    if (typeof named.id !== 'string' || named.id.toLowerCase() !== subscriptionId.toLowerCase())
      return undefined;
    return Number.isSafeInteger(named.version) ? (named.version as number) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Partner Center's `Subscription` resource (pc:developer/subscription-resources.md) for a
 * license-based subscription of Warden's catalog. Fields the reference has that Warden has no
 * data for (entitlementId, parentSubscriptionId, partnerId, refundOptions…) are left out;
 * docs/partner-center-compatibility.md lists them.
 */
export function subscriptionShape(s: Subscription, customer: Customer, offerName: string) {
  const self = `/v1/customers/${customer.id}/subscriptions/${s.id}`;
  return {
    id: s.id,
    offerId: s.offerId,
    offerName,
    friendlyName: s.friendlyName,
    quantity: s.quantity,
    unitType: 'Licenses',
    creationDate: iso(s.createdAt),
    effectiveStartDate: iso(s.createdAt),
    commitmentEndDate: iso(s.commitmentEndAt),
    status: s.status,
    autoRenewEnabled: s.autoRenewEnabled,
    billingType: 'license',
    billingCycle: s.billingCycle,
    termDuration: s.billingCycle === 'annual' ? 'P1Y' : 'P1M',
    hasPurchasableAddons: false,
    isTrial: false,
    // The catalog is the operator's own products, not Microsoft's.
    isMicrosoftProduct: false,
    contractType: 'subscription',
    // What PATCH can do (Partner Center's "edit"); Warden does not cancel subscriptions.
    actions: ['edit'],
    orderId: s.orderId,
    links: {
      offer: selfLink(`/v1/offers/${s.offerId}?country=${customer.country}`),
      self: selfLink(self),
    },
    attributes: { etag: etagOf(s), objectType: 'Subscription' },
  };
}
