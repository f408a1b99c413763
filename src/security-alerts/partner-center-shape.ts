import type { Db } from '../storage/database.ts';
import type { FraudEvent } from './fraud-events.ts';

/** Reference §5.1: what an open event shows as its resolution in the legacy model. */
export const OPEN_RESOLVED_ON = '9999-12-31T23:59:59.997';

/** The names an event's answer shows beside its ids (partner, customer, subscription). */
export interface EventNames {
  partnerName: string;
  customers: Map<string, string>;
  subscriptions: Map<string, { name: string; offerId: string }>;
}

/** Reads the names of the partner, its customers and subscriptions that `events` name (tenant-scoped). */
export async function namesOf(
  db: Db,
  partnerTenantId: string,
  events: readonly FraudEvent[],
): Promise<EventNames> {
  const partner = await db
    .selectFrom('tenants')
    .select('display_name')
    .where('id', '=', partnerTenantId)
    .executeTakeFirst();
  const customers = new Map<string, string>();
  const subscriptions = new Map<string, { name: string; offerId: string }>();
  const customerIds = [...new Set(events.map((e) => e.customerTenantId))];
  const subscriptionIds = [...new Set(events.map((e) => e.subscriptionId))];
  if (customerIds.length > 0) {
    const rows = await db
      .selectFrom('customers')
      .select(['customer_tenant_id', 'company_name'])
      .where('tenant_id', '=', partnerTenantId)
      .where('customer_tenant_id', 'in', customerIds)
      .execute();
    for (const r of rows) customers.set(r.customer_tenant_id, r.company_name);
  }
  if (subscriptionIds.length > 0) {
    const rows = await db
      .selectFrom('subscriptions')
      .select(['id', 'friendly_name', 'offer_id'])
      .where('tenant_id', '=', partnerTenantId)
      .where('id', 'in', subscriptionIds)
      .execute();
    for (const r of rows) subscriptions.set(r.id, { name: r.friendly_name, offerId: r.offer_id });
  }
  return { partnerName: partner?.display_name ?? '', customers, subscriptions };
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * A fraud event as Partner Center's `GET /v1/fraudEvents` answers it (reference §5.1): the legacy
 * fields always, the new events model's too with `X-NewEventsModel: true`. Open events carry the
 * legacy sentinels (`None`, 9999-12-31…, empty string); `activityLogs` is a JSON string.
 */
export function partnerCenterEvent(event: FraudEvent, names: EventNames, newModel: boolean) {
  const subscription = names.subscriptions.get(event.subscriptionId);
  const open = event.status !== 'Resolved';
  const legacy = {
    eventTime: iso(event.detectedAt),
    eventId: event.id,
    partnerTenantId: event.partnerTenantId,
    partnerFriendlyName: names.partnerName,
    customerTenantId: event.customerTenantId,
    customerFriendlyName: names.customers.get(event.customerTenantId) ?? '',
    subscriptionId: event.subscriptionId,
    subscriptionType: 'modern',
    entityId: event.entityId,
    entityName: event.entityName,
    entityUrl: event.entityUrl,
    hitCount: String(event.hitCount),
    catalogOfferId: subscription?.offerId ?? '',
    eventStatus: event.status,
    serviceName: event.serviceName,
    resourceName: event.resourceName,
    resourceGroupName: event.resourceGroupName,
    firstOccurrence: iso(event.firstObservedAt),
    lastOccurrence: iso(event.lastObservedAt),
    firstObserved: iso(event.firstObservedAt),
    lastObserved: iso(event.lastObservedAt),
    resolvedReason: open ? 'None' : (event.resolvedReason ?? 'None'),
    resolvedOn: open || event.resolvedAt === null ? OPEN_RESOLVED_ON : iso(event.resolvedAt),
    resolvedBy: open ? '' : (event.resolvedBy ?? ''),
  };
  if (!newModel) return legacy;
  return {
    ...legacy,
    eventType: event.eventType,
    severity: event.severity,
    confidenceLevel: event.confidenceLevel,
    displayName: event.displayName,
    description: event.description,
    country: event.country ?? '',
    // Warden has no value-added resellers (indirect providers): the fields are empty, as for a direct partner.
    valueAddedResellerTenantId: '',
    valueAddedResellerFriendlyName: '',
    subscriptionName: subscription?.name ?? '',
    affectedResources: event.affectedResources,
    additionalDetails: event.additionalDetails,
    IsTest: event.isTest ? 'true' : 'false',
    activityLogs: JSON.stringify(event.activityLogs),
  };
}
