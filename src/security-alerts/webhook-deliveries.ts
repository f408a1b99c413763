import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { SecretBox } from '../security/secret-box.ts';
import type { Db } from '../storage/database.ts';
import type { FraudWebhookDeliveryTable } from '../storage/schema.ts';
import { FRAUD_EVENT_DETECTED, secretContext } from './webhook-registrations.ts';
import { DELIVERY_HEADER, SIGNATURE_HEADER, signDelivery, TIMESTAMP_HEADER } from './webhook-signature.ts';
import { ATTEMPT_TIMEOUT_MS, type Sender } from './webhook-transport.ts';

/** Attempts before a delivery is given up as failed. */
export const MAX_ATTEMPTS = 6;
/** The wait after the first failed attempt; each further failure doubles it (1, 2, 4, 8, 16 min). */
export const FIRST_RETRY_MS = 60_000;
/** A run holds a delivery it claimed this long from the claim; a crash mid-attempt frees it after that. */
export const LEASE_MS = ATTEMPT_TIMEOUT_MS + 20_000;
/** Deliveries one run attempts at most, at most PER_PARTNER of them for one partner. */
const BATCH = 40;
const PER_PARTNER = 5;
/** Partners whose deliveries are sent at once; one partner's are sent one after another. */
const CONCURRENCY = 8;

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
        lease_token: null,
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

/** Wait before the attempt after `attempts` failed ones: exponential backoff. */
export function retryDelayMs(attempts: number): number {
  return FIRST_RETRY_MS * 2 ** (attempts - 1);
}

/** Where the job reports a delivery it could not attempt (ctx.log; never given a secret). */
export interface JobLog {
  error(fields: Record<string, unknown>, message: string): void;
}

/**
 * The delivery job (SPEC §13, on Warden's clock; `warden serve` runs it every 30 s, one run at a
 * time per process). Due pending deliveries are taken, at most PER_PARTNER per partner, and sent
 * with CONCURRENCY partners at once (one partner's slow receiver holds only its own). Each is
 * claimed just before its attempt by a conditional update that sets a lease from the clock read
 * then and a random lease token, so two runs or instances never send one attempt both; its result
 * (delivered on a 2xx, rescheduled with backoff, failed after MAX_ATTEMPTS) is recorded only
 * `where lease_token = <the claim's token>`. A delivery that cannot be signed (its secret does not
 * open) is failed with a generic error; any other failure of one delivery is logged and leaves it
 * to its lease, without stopping the others. Returns how many attempts it made.
 */
export async function runWebhookDeliveries(
  db: Db,
  secrets: SecretBox,
  clock: Clock,
  send: Sender,
  log?: JobLog,
): Promise<number> {
  const now = clock.now();
  const due = await db
    .selectFrom('fraud_webhook_deliveries')
    .selectAll()
    .where('state', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .where('lease_until', '<=', now)
    .orderBy('next_attempt_at')
    .orderBy('id')
    .limit(BATCH * 5)
    .execute();
  const byPartner = new Map<string, FraudWebhookDeliveryTable[]>();
  let taken = 0;
  for (const d of due) {
    const list = byPartner.get(d.partner_tenant_id) ?? [];
    if (list.length >= PER_PARTNER || taken >= BATCH) continue;
    list.push(d);
    byPartner.set(d.partner_tenant_id, list);
    taken += 1;
  }
  const queues = [...byPartner.values()];
  let attempted = 0;
  const worker = async () => {
    for (let queue = queues.shift(); queue; queue = queues.shift()) {
      for (const d of queue) {
        try {
          if (await deliverOnce(db, secrets, clock, send, d)) attempted += 1;
        } catch (error) {
          log?.error(
            { deliveryId: d.id, partnerTenantId: d.partner_tenant_id, error: (error as Error).name },
            'webhook delivery attempt failed',
          );
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queues.length) }, worker));
  return attempted;
}

/** Claims one delivery, attempts it and records the result; false when another run holds it. */
async function deliverOnce(
  db: Db,
  secrets: SecretBox,
  clock: Clock,
  send: Sender,
  d: FraudWebhookDeliveryTable,
): Promise<boolean> {
  const claimedAt = clock.now();
  const token = randomUUID();
  const claimed = await db
    .updateTable('fraud_webhook_deliveries')
    .set({ lease_until: claimedAt + LEASE_MS, lease_token: token })
    .where('partner_tenant_id', '=', d.partner_tenant_id)
    .where('id', '=', d.id)
    .where('state', '=', 'pending')
    .where('attempts', '=', d.attempts)
    .where('next_attempt_at', '<=', claimedAt)
    .where('lease_until', '<=', claimedAt)
    .executeTakeFirst();
  if (Number(claimed.numUpdatedRows) !== 1) return false;
  const outcome = await attempt(db, secrets, clock, d, send);
  const finishedAt = clock.now();
  const attempts = d.attempts + 1;
  const delivered = 'status' in outcome && outcome.status >= 200 && outcome.status < 300;
  const gaveUp = !delivered && (attempts >= MAX_ATTEMPTS || 'final' in outcome);
  await db
    .updateTable('fraud_webhook_deliveries')
    .set({
      attempts,
      state: delivered ? 'delivered' : gaveUp ? 'failed' : 'pending',
      next_attempt_at: delivered || gaveUp ? d.next_attempt_at : finishedAt + retryDelayMs(attempts),
      lease_until: 0,
      lease_token: null,
      last_status: 'status' in outcome ? outcome.status : null,
      last_error: 'error' in outcome ? outcome.error : delivered ? null : `HTTP ${outcome.status}`,
      delivered_at: delivered ? finishedAt : null,
    })
    .where('partner_tenant_id', '=', d.partner_tenant_id)
    .where('id', '=', d.id)
    .where('lease_token', '=', token)
    .execute();
  return true;
}

async function attempt(
  db: Db,
  secrets: SecretBox,
  clock: Clock,
  d: FraudWebhookDeliveryTable,
  send: Sender,
): Promise<{ status: number } | { error: string; final?: true }> {
  const registration = await db
    .selectFrom('fraud_webhook_registrations')
    .select(['url', 'secret_sealed'])
    .where('partner_tenant_id', '=', d.partner_tenant_id)
    .where('id', '=', d.registration_id)
    .executeTakeFirst();
  if (!registration) return { error: 'the registration was removed', final: true };
  let secret: string;
  try {
    secret = secrets.open(registration.secret_sealed, secretContext(d.partner_tenant_id, d.registration_id));
  } catch {
    // A secret sealed under a key this instance does not have, or damaged: no retry will sign it.
    return { error: 'the signing secret could not be read', final: true };
  }
  // The clock when this attempt goes out (a run may reach it well after it started).
  const timestamp = Math.floor(clock.now() / 1000);
  try {
    return await send(
      registration.url,
      {
        'content-type': 'application/json',
        [SIGNATURE_HEADER]: signDelivery(secret, timestamp, d.id, d.payload),
        [TIMESTAMP_HEADER]: String(timestamp),
        [DELIVERY_HEADER]: d.id,
      },
      d.payload,
    );
  } catch {
    return { error: 'no answer' };
  }
}
