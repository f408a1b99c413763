import { randomUUID } from 'node:crypto';
import type { SecretBox } from '../security/secret-box.ts';
import type { Db } from '../storage/database.ts';
import type { FraudWebhookDeliveryTable } from '../storage/schema.ts';
import { FRAUD_EVENT_DETECTED, secretContext } from './webhook-registrations.ts';
import { SIGNATURE_HEADER, signDelivery, TIMESTAMP_HEADER } from './webhook-signature.ts';

/** Attempts before a delivery is given up as failed. */
export const MAX_ATTEMPTS = 6;
/** The wait after the first failed attempt; each further failure doubles it (1, 2, 4, 8, 16 min). */
export const FIRST_RETRY_MS = 60_000;
/** How long one attempt may take before it counts as failed. */
export const ATTEMPT_TIMEOUT_MS = 10_000;
/** An instance holds a claimed delivery this long; a crash mid-attempt frees it after that. */
const LEASE_MS = ATTEMPT_TIMEOUT_MS + 20_000;
const BATCH = 20;

/** The event a fraud event queues (fraud-events.ts imports this: it needs no event type). */
interface EventForPayload {
  id: string;
  partnerTenantId: string;
  subscriptionId: string;
  status: string;
}

/**
 * Reference §5.3: the webhook body of `azure-fraud-event-detected`; the ResourceUri is Warden's own
 * `GET /v1/fraudEvents` of the event's subscription and status.
 */
export function payloadOf(baseUrl: string, event: EventForPayload, now: number): string {
  const query = new URLSearchParams({ SubscriptionId: event.subscriptionId, EventStatus: event.status });
  return JSON.stringify({
    EventName: FRAUD_EVENT_DETECTED,
    ResourceUri: `${baseUrl}/v1/fraudEvents?${query.toString()}`,
    AuditUri: null,
    ResourceChangeUtcDate: new Date(now).toISOString(),
  });
}

/** Queues one delivery per registration of the partner that asked for the event (in the caller's transaction). */
export async function enqueueDeliveries(
  db: Db,
  baseUrl: string,
  event: EventForPayload,
  now: number,
): Promise<number> {
  const registrations = await db
    .selectFrom('fraud_webhook_registrations')
    .select(['id', 'events'])
    .where('partner_tenant_id', '=', event.partnerTenantId)
    .execute();
  const wanted = registrations.filter((r) =>
    (JSON.parse(r.events) as string[]).includes(FRAUD_EVENT_DETECTED),
  );
  if (wanted.length === 0) return 0;
  const payload = payloadOf(baseUrl, event, now);
  await db
    .insertInto('fraud_webhook_deliveries')
    .values(
      wanted.map((r) => ({
        partner_tenant_id: event.partnerTenantId,
        id: randomUUID(),
        registration_id: r.id,
        event_id: event.id,
        payload,
        state: 'pending' as const,
        attempts: 0,
        next_attempt_at: now,
        lease_until: 0,
        last_status: null,
        last_error: null,
        created_at: now,
        delivered_at: null,
      })),
    )
    .execute();
  return wanted.length;
}

export interface Delivery {
  id: string;
  registrationId: string;
  eventId: string;
  state: FraudWebhookDeliveryTable['state'];
  attempts: number;
  nextAttemptAt: number | null;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: number;
  deliveredAt: number | null;
}

/** The partner's deliveries, newest first (what REST and the dashboard show). */
export async function listDeliveries(db: Db, partnerTenantId: string, limit = 100): Promise<Delivery[]> {
  const rows = await db
    .selectFrom('fraud_webhook_deliveries')
    .selectAll()
    .where('partner_tenant_id', '=', partnerTenantId)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    registrationId: r.registration_id,
    eventId: r.event_id,
    state: r.state,
    attempts: r.attempts,
    nextAttemptAt: r.state === 'pending' ? Number(r.next_attempt_at) : null,
    lastStatus: r.last_status,
    lastError: r.last_error,
    createdAt: Number(r.created_at),
    deliveredAt: r.delivered_at === null ? null : Number(r.delivered_at),
  }));
}

/** Sends one signed POST; what came of it (the status, or why no answer came). */
export type Sender = (
  url: string,
  headers: Record<string, string>,
  body: string,
) => Promise<{ status: number } | { error: string }>;

/** The real sender: no redirects followed (a redirect could point anywhere), each attempt timed out. */
export const fetchSender: Sender = async (url, headers, body) => {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
    });
    await response.body?.cancel();
    return { status: response.status };
  } catch (error) {
    const name = (error as Error).name;
    return {
      error: name === 'TimeoutError' ? 'timed out' : `no answer (${(error as Error).message})`.slice(0, 200),
    };
  }
};

/** Wait before the attempt after `attempts` failed ones: exponential backoff. */
export function retryDelayMs(attempts: number): number {
  return FIRST_RETRY_MS * 2 ** (attempts - 1);
}

/**
 * The delivery job (on Warden's clock; `warden serve` runs it every 30 s): each due pending
 * delivery is claimed by a conditional update of its lease (so two instances never send it both),
 * sent signed, and then marked delivered (a 2xx), rescheduled with backoff, or failed after
 * MAX_ATTEMPTS. Returns how many attempts it made.
 */
export async function runWebhookDeliveries(
  db: Db,
  secrets: SecretBox,
  now: number,
  send: Sender = fetchSender,
): Promise<number> {
  const due = await db
    .selectFrom('fraud_webhook_deliveries')
    .selectAll()
    .where('state', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .where('lease_until', '<=', now)
    .orderBy('next_attempt_at')
    .limit(BATCH)
    .execute();
  let attempted = 0;
  for (const d of due) {
    const lease = now + LEASE_MS;
    const claimed = await db
      .updateTable('fraud_webhook_deliveries')
      .set({ lease_until: lease })
      .where('id', '=', d.id)
      .where('state', '=', 'pending')
      .where('lease_until', '=', d.lease_until)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) continue;
    attempted += 1;
    const outcome = await attempt(db, secrets, d, now, send);
    const attempts = d.attempts + 1;
    const delivered = 'status' in outcome && outcome.status >= 200 && outcome.status < 300;
    const gaveUp = !delivered && (attempts >= MAX_ATTEMPTS || 'final' in outcome);
    await db
      .updateTable('fraud_webhook_deliveries')
      .set({
        attempts,
        state: delivered ? 'delivered' : gaveUp ? 'failed' : 'pending',
        next_attempt_at: delivered || gaveUp ? d.next_attempt_at : now + retryDelayMs(attempts),
        lease_until: 0,
        last_status: 'status' in outcome ? outcome.status : null,
        last_error:
          'error' in outcome
            ? outcome.error
            : delivered
              ? null
              : `HTTP ${(outcome as { status: number }).status}`,
        delivered_at: delivered ? now : null,
      })
      .where('id', '=', d.id)
      .where('lease_until', '=', lease)
      .execute();
  }
  return attempted;
}

async function attempt(
  db: Db,
  secrets: SecretBox,
  d: FraudWebhookDeliveryTable,
  now: number,
  send: Sender,
): Promise<{ status: number } | { error: string; final?: true }> {
  const registration = await db
    .selectFrom('fraud_webhook_registrations')
    .select(['url', 'secret_sealed'])
    .where('partner_tenant_id', '=', d.partner_tenant_id)
    .where('id', '=', d.registration_id)
    .executeTakeFirst();
  if (!registration) return { error: 'the registration was removed', final: true };
  const secret = secrets.open(
    registration.secret_sealed,
    secretContext(d.partner_tenant_id, d.registration_id),
  );
  const timestamp = Math.floor(now / 1000);
  return send(
    registration.url,
    {
      'content-type': 'application/json',
      [SIGNATURE_HEADER]: signDelivery(secret, timestamp, d.payload),
      [TIMESTAMP_HEADER]: String(timestamp),
      'x-warden-delivery': d.id,
    },
    d.payload,
  );
}
