import { randomBytes, randomUUID } from 'node:crypto';
import { Refusal } from '../errors/catalogued-error.ts';
import type { SecretBox } from '../security/secret-box.ts';
import { type Db, isUniqueViolation } from '../storage/database.ts';
import { webhookUrlProblem } from './webhook-url.ts';

/** Reference §5.3: the one event Warden's webhooks send. */
export const FRAUD_EVENT_DETECTED = 'azure-fraud-event-detected';
export const WEBHOOK_EVENTS = [FRAUD_EVENT_DETECTED] as const;
/** A partner's registrations are few; the cap keeps one partner from fanning every event out widely. */
export const MAX_REGISTRATIONS = 10;

export interface WebhookRegistration {
  id: string;
  url: string;
  events: string[];
  createdAt: number;
}

export type WebhookErrorCode =
  | 'url_refused'
  | 'unknown_event'
  | 'already_registered'
  | 'too_many'
  | 'not_found';

export class WebhookError extends Refusal<WebhookErrorCode> {}

/** The sealing context of a registration's secret: bound to the partner and the registration. */
export function secretContext(partnerTenantId: string, registrationId: string): string {
  return `fraud-webhook:${partnerTenantId}:${registrationId}`;
}

/**
 * Registers a webhook URL; returns it with its signing secret, which is shown this once: Warden
 * keeps it sealed (it must read it back to sign) and never shows it again.
 */
export async function registerWebhook(
  db: Db,
  secrets: SecretBox,
  allowLoopback: boolean,
  partnerTenantId: string,
  url: string,
  events: readonly string[],
  now: number,
): Promise<WebhookRegistration & { secret: string }> {
  const problem = webhookUrlProblem(url, allowLoopback);
  if (problem) throw new WebhookError('url_refused', problem);
  const unknown = events.find((e) => !(WEBHOOK_EVENTS as readonly string[]).includes(e));
  if (unknown !== undefined) throw new WebhookError('unknown_event', `No webhook event ${unknown}.`);
  const count = await db
    .selectFrom('fraud_webhook_registrations')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('partner_tenant_id', '=', partnerTenantId)
    .executeTakeFirstOrThrow();
  if (Number(count.n) >= MAX_REGISTRATIONS)
    throw new WebhookError('too_many', `A partner registers at most ${MAX_REGISTRATIONS} webhook URLs.`);
  const id = randomUUID();
  const secret = randomBytes(32).toString('base64url');
  const list = [...new Set(events)];
  try {
    await db
      .insertInto('fraud_webhook_registrations')
      .values({
        partner_tenant_id: partnerTenantId,
        id,
        url,
        events: JSON.stringify(list),
        secret_sealed: secrets.seal(secret, secretContext(partnerTenantId, id)),
        created_at: now,
      })
      .execute();
  } catch (error) {
    if (isUniqueViolation(error))
      throw new WebhookError('already_registered', 'This URL is registered already.');
    throw error;
  }
  return { id, url, events: list, createdAt: now, secret };
}

export async function listWebhooks(db: Db, partnerTenantId: string): Promise<WebhookRegistration[]> {
  const rows = await db
    .selectFrom('fraud_webhook_registrations')
    .select(['id', 'url', 'events', 'created_at'])
    .where('partner_tenant_id', '=', partnerTenantId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    url: r.url,
    events: JSON.parse(r.events) as string[],
    createdAt: Number(r.created_at),
  }));
}

/** Removes a registration; its pending deliveries then fail at their next attempt. */
export async function deleteWebhook(db: Db, partnerTenantId: string, id: string): Promise<void> {
  const result = await db
    .deleteFrom('fraud_webhook_registrations')
    .where('partner_tenant_id', '=', partnerTenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (Number(result.numDeletedRows) !== 1)
    throw new WebhookError('not_found', `No webhook registration ${id}.`);
}
