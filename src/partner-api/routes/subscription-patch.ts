import { PartnerApiError } from '../../errors/partner-api-errors.ts';
import type { Subscription } from '../../partner-center/orders.ts';
import type { SubscriptionChanges } from '../../partner-center/subscriptions.ts';

/**
 * The body of Partner Center's subscription PATCH: "a full Subscription resource"
 * (pc:developer/change-the-quantity-of-a-subscription.md) as a script sends back what it read,
 * with the property names Partner Center documents in its examples (PascalCase) or the camelCase
 * its SDKs and its own answers use. What can change: `quantity`, `autoRenewEnabled`, `status`
 * (`active`/`suspended`). The rest is read only: sent unchanged it is accepted; an id, offer,
 * name or billing cycle that differs from the subscription's is refused rather than ignored.
 */
const ANY = {};
const ATTRIBUTES = {
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(
    ['etag', 'objectType'].flatMap((k) => [
      [k, { type: 'string', maxLength: 1024 }],
      [pascal(k), { type: 'string', maxLength: 1024 }],
    ]),
  ),
};
const FIELDS: Record<string, object> = {
  id: { type: 'string', maxLength: 64 },
  offerId: { type: 'string', maxLength: 64 },
  offerName: ANY,
  friendlyName: { type: 'string', maxLength: 256 },
  quantity: { type: 'integer', minimum: 1 },
  autoRenewEnabled: { type: 'boolean' },
  status: { type: 'string', enum: ['active', 'suspended', 'Active', 'Suspended'] },
  billingCycle: { type: 'string', maxLength: 32 },
  entitlementId: ANY,
  unitType: ANY,
  parentSubscriptionId: ANY,
  creationDate: ANY,
  effectiveStartDate: ANY,
  commitmentEndDate: ANY,
  billingType: ANY,
  hasPurchasableAddons: ANY,
  isTrial: ANY,
  isMicrosoftProduct: ANY,
  publisherName: ANY,
  actions: ANY,
  partnerId: ANY,
  suspensionReasons: ANY,
  contractType: ANY,
  refundOptions: ANY,
  termDuration: ANY,
  renewalTermDuration: ANY,
  orderId: ANY,
  links: ANY,
  attributes: ATTRIBUTES,
};

function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

export const SUBSCRIPTION_PATCH_BODY = {
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(
    Object.entries(FIELDS).flatMap(([k, v]) => [
      [k, v],
      [pascal(k), v],
    ]),
  ),
} as const;

export type SubscriptionPatchBody = Record<string, unknown>;

/** A property by either spelling; both spellings with two values is a 400. */
function read(body: Record<string, unknown>, name: string): unknown {
  const camel = body[name];
  const upper = body[pascal(name)];
  if (camel !== undefined && upper !== undefined && JSON.stringify(camel) !== JSON.stringify(upper))
    throw new PartnerApiError('invalid_request', `${name} is given twice, with two values.`, [name]);
  return camel ?? upper;
}

/** The etag the change was made from: `If-Match` (pc:developer/headers.md), else `attributes.etag`. */
export function etagSent(body: SubscriptionPatchBody, ifMatch: string | undefined): string | undefined {
  if (ifMatch !== undefined && ifMatch !== '') return ifMatch;
  const attributes = read(body, 'attributes') as Record<string, unknown> | undefined;
  const etag = attributes ? read(attributes, 'etag') : undefined;
  return typeof etag === 'string' && etag !== '' ? etag : undefined;
}

/** What the body changes, refusing a read-only property that differs from the subscription's. */
export function changesOf(body: SubscriptionPatchBody, current: Subscription): SubscriptionChanges {
  const id = read(body, 'id');
  if (typeof id === 'string' && id.toLowerCase() !== current.id.toLowerCase())
    throw new PartnerApiError('invalid_request', 'The body names another subscription than the path.', [
      'id',
    ]);
  const readOnly: [string, unknown][] = [
    ['offerId', current.offerId],
    ['friendlyName', current.friendlyName],
    ['billingCycle', current.billingCycle],
  ];
  for (const [name, value] of readOnly) {
    const sent = read(body, name);
    if (sent !== undefined && String(sent).toLowerCase() !== String(value).toLowerCase())
      throw new PartnerApiError(
        'invalid_request',
        `${name} cannot be changed by this operation: only quantity, autoRenewEnabled and status can.`,
        [name],
      );
  }
  const quantity = read(body, 'quantity') as number | undefined;
  const autoRenewEnabled = read(body, 'autoRenewEnabled') as boolean | undefined;
  const status = (read(body, 'status') as string | undefined)?.toLowerCase() as
    | SubscriptionChanges['status']
    | undefined;
  return {
    ...(quantity !== undefined ? { quantity } : {}),
    ...(autoRenewEnabled !== undefined ? { autoRenewEnabled } : {}),
    ...(status !== undefined ? { status } : {}),
  };
}
