import { randomUUID } from 'node:crypto';
import { Refusal } from '../errors/catalogued-error.ts';
import { type Db, inTransaction } from '../storage/database.ts';
import type { FraudEventTable } from '../storage/schema.ts';
import type { FraudEventType, Severity } from './event-types.ts';
import {
  type FraudEventStatus,
  type ResolvedReason,
  type StatusChange,
  transitionOf,
} from './status-transitions.ts';
import { enqueueDeliveries } from './webhook-deliveries.ts';

/** One entry of an event's activity log (reference §5.1 `activityLogs`). */
export interface ActivityLogEntry {
  statusFrom: FraudEventStatus | null;
  statusTo: FraudEventStatus;
  updatedBy: string;
  dateTime: string;
}

export interface FraudEvent {
  id: string;
  partnerTenantId: string;
  customerTenantId: string;
  subscriptionId: string;
  entityId: string;
  entityName: string;
  entityUrl: string;
  serviceName: string;
  resourceName: string;
  resourceGroupName: string;
  eventType: string;
  status: FraudEventStatus;
  severity: Severity;
  confidenceLevel: Severity;
  displayName: string;
  description: string;
  country: string | null;
  hitCount: number;
  firstObservedAt: number;
  lastObservedAt: number;
  detectedAt: number;
  resolvedReason: ResolvedReason | null;
  resolvedAt: number | null;
  resolvedBy: string | null;
  activityLogs: ActivityLogEntry[];
  additionalDetails: Record<string, string>;
  affectedResources: { azureResourceId: string; type: string }[];
  isTest: boolean;
  source: 'operator' | 'detector';
  version: number;
}

export interface NewFraudEvent {
  partnerTenantId: string;
  customerTenantId: string;
  subscriptionId: string;
  eventType: FraudEventType;
  severity: Severity;
  confidenceLevel: Severity;
  displayName: string;
  description: string;
  entityName: string;
  entityUrl?: string;
  serviceName: string;
  resourceName?: string;
  resourceGroupName?: string;
  country?: string | null;
  hitCount?: number;
  firstObservedAt: number;
  lastObservedAt: number;
  additionalDetails?: Record<string, string>;
  affectedResources?: { azureResourceId: string; type: string }[];
  isTest?: boolean;
  source: 'operator' | 'detector';
  /** For the detector: what it saw, unique per partner, so instances racing raise one event. */
  detectionKey?: string;
  /** Who raised it, for the first activity-log entry. */
  raisedBy: string;
}

export type FraudEventErrorCode = 'event_not_found' | 'changed_concurrently';

export class FraudEventError extends Refusal<FraudEventErrorCode> {
  readonly data: unknown[];
  constructor(code: FraudEventErrorCode, message: string, data: unknown[] = []) {
    super(code, message);
    this.data = data;
  }
}

export function toFraudEvent(r: FraudEventTable): FraudEvent {
  return {
    id: r.id,
    partnerTenantId: r.partner_tenant_id,
    customerTenantId: r.customer_tenant_id,
    subscriptionId: r.subscription_id,
    entityId: r.entity_id,
    entityName: r.entity_name,
    entityUrl: r.entity_url,
    serviceName: r.service_name,
    resourceName: r.resource_name,
    resourceGroupName: r.resource_group_name,
    eventType: r.event_type,
    status: r.status,
    severity: r.severity,
    confidenceLevel: r.confidence_level,
    displayName: r.display_name,
    description: r.description,
    country: r.country,
    hitCount: r.hit_count,
    firstObservedAt: Number(r.first_observed_at),
    lastObservedAt: Number(r.last_observed_at),
    detectedAt: Number(r.detected_at),
    resolvedReason: r.resolved_reason,
    resolvedAt: r.resolved_at === null ? null : Number(r.resolved_at),
    resolvedBy: r.resolved_by,
    activityLogs: JSON.parse(r.activity_logs) as ActivityLogEntry[],
    additionalDetails: JSON.parse(r.additional_details) as Record<string, string>,
    affectedResources: JSON.parse(r.affected_resources) as FraudEvent['affectedResources'],
    isTest: r.is_test === 1,
    source: r.source,
    version: r.version,
  };
}

/**
 * Raises a fraud event and queues its webhook deliveries, in one transaction. With a detection
 * key the insert does nothing when the partner already has an event of that key (the unique
 * index decides between instances): `created` is then false and the event is the existing one.
 */
export async function raiseFraudEvent(
  db: Db,
  baseUrl: string,
  input: NewFraudEvent,
  now: number,
): Promise<{ event: FraudEvent; created: boolean }> {
  return inTransaction(db, async (trx) => {
    const entityId = randomUUID();
    const row: FraudEventTable = {
      partner_tenant_id: input.partnerTenantId,
      // Reference §5.1: eventId is `<subscriptionId>_<entityId>`.
      id: `${input.subscriptionId}_${entityId}`,
      customer_tenant_id: input.customerTenantId,
      subscription_id: input.subscriptionId,
      entity_id: entityId,
      entity_name: input.entityName,
      entity_url: input.entityUrl ?? '',
      service_name: input.serviceName,
      resource_name: input.resourceName ?? input.entityName,
      resource_group_name: input.resourceGroupName ?? '',
      event_type: input.eventType,
      status: 'Active',
      severity: input.severity,
      confidence_level: input.confidenceLevel,
      display_name: input.displayName,
      description: input.description,
      country: input.country ?? null,
      hit_count: input.hitCount ?? 1,
      first_observed_at: input.firstObservedAt,
      last_observed_at: input.lastObservedAt,
      detected_at: now,
      resolved_reason: null,
      resolved_at: null,
      resolved_by: null,
      activity_logs: JSON.stringify([
        {
          statusFrom: null,
          statusTo: 'Active',
          updatedBy: input.raisedBy,
          dateTime: new Date(now).toISOString(),
        },
      ] satisfies ActivityLogEntry[]),
      additional_details: JSON.stringify(input.additionalDetails ?? {}),
      affected_resources: JSON.stringify(input.affectedResources ?? []),
      is_test: input.isTest ? 1 : 0,
      source: input.source,
      detection_key: input.detectionKey ?? null,
      version: 1,
    };
    const inserted = await trx
      .insertInto('fraud_events')
      .values(row)
      .onConflict((oc) => oc.columns(['partner_tenant_id', 'detection_key']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) {
      const event = toFraudEvent(row);
      await enqueueDeliveries(trx, baseUrl, event, now);
      return { event, created: true };
    }
    const existing = await trx
      .selectFrom('fraud_events')
      .selectAll()
      .where('partner_tenant_id', '=', input.partnerTenantId)
      .where('detection_key', '=', input.detectionKey ?? '')
      .executeTakeFirstOrThrow();
    return { event: toFraudEvent(existing), created: false };
  });
}

export interface FraudEventFilter {
  status?: FraudEventStatus | undefined;
  subscriptionId?: string | undefined;
  eventType?: string | undefined;
  /** Both positive, or no paging (reference §5.1). */
  page?: { size: number; number: number } | undefined;
}

/** The partner's fraud events, newest first (tenant-scoped). */
export async function listFraudEvents(
  db: Db,
  partnerTenantId: string,
  filter: FraudEventFilter = {},
): Promise<FraudEvent[]> {
  let query = db.selectFrom('fraud_events').selectAll().where('partner_tenant_id', '=', partnerTenantId);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.subscriptionId) query = query.where('subscription_id', '=', filter.subscriptionId);
  if (filter.eventType) query = query.where('event_type', '=', filter.eventType);
  query = query.orderBy('detected_at', 'desc').orderBy('id');
  if (filter.page) query = query.limit(filter.page.size).offset(filter.page.size * (filter.page.number - 1));
  return (await query.execute()).map(toFraudEvent);
}

export async function getFraudEvent(
  db: Db,
  partnerTenantId: string,
  id: string,
): Promise<FraudEvent | undefined> {
  const row = await db
    .selectFrom('fraud_events')
    .selectAll()
    .where('partner_tenant_id', '=', partnerTenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? toFraudEvent(row) : undefined;
}

/**
 * Changes the status of events of one subscription (reference §5.2): the ids given, or every event
 * of the subscription when `eventIds` is empty. One transaction; each row's update is conditional
 * on the version it was read at, so of two instances changing it at once one wins and the other
 * is refused (`changed_concurrently`). Each change appends to the activity log. Events already in
 * the asked state are left as they are. Returns the events named (all of them, changed or not).
 */
export async function changeFraudEventStatus(
  db: Db,
  partnerTenantId: string,
  subscriptionId: string,
  eventIds: readonly string[],
  change: StatusChange,
  updatedBy: string,
  now: number,
): Promise<FraudEvent[]> {
  return inTransaction(db, async (trx) => {
    let query = trx
      .selectFrom('fraud_events')
      .selectAll()
      .where('partner_tenant_id', '=', partnerTenantId)
      .where('subscription_id', '=', subscriptionId);
    if (eventIds.length > 0) query = query.where('id', 'in', [...eventIds]);
    const rows = (await query.orderBy('detected_at').orderBy('id').execute()).map(toFraudEvent);
    const found = new Set(rows.map((r) => r.id));
    const missing = eventIds.filter((id) => !found.has(id));
    if (missing.length > 0)
      throw new FraudEventError(
        'event_not_found',
        `No event ${missing[0]} on subscription ${subscriptionId}.`,
        missing,
      );
    const result: FraudEvent[] = [];
    for (const event of rows) {
      if (transitionOf(event.status, event.resolvedReason, change) === 'unchanged') {
        result.push(event);
        continue;
      }
      const resolved = change.status === 'Resolved';
      const activityLogs = [
        ...event.activityLogs,
        {
          statusFrom: event.status,
          statusTo: change.status,
          updatedBy,
          dateTime: new Date(now).toISOString(),
        },
      ];
      const next: FraudEvent = {
        ...event,
        status: change.status,
        resolvedReason: resolved ? change.reason : null,
        resolvedAt: resolved ? now : null,
        resolvedBy: resolved ? updatedBy : null,
        activityLogs,
        version: event.version + 1,
      };
      const updated = await trx
        .updateTable('fraud_events')
        .set({
          status: next.status,
          resolved_reason: next.resolvedReason,
          resolved_at: next.resolvedAt,
          resolved_by: next.resolvedBy,
          activity_logs: JSON.stringify(activityLogs),
          version: next.version,
        })
        .where('partner_tenant_id', '=', partnerTenantId)
        .where('id', '=', event.id)
        .where('version', '=', event.version)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1)
        throw new FraudEventError(
          'changed_concurrently',
          `Event ${event.id} changed meanwhile; read it again.`,
          [event.id],
        );
      result.push(next);
    }
    return result;
  });
}
