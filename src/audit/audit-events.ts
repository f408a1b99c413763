import { randomUUID } from 'node:crypto';
import type { Db } from '../storage/database.ts';
import type { AuditEventTable } from '../storage/schema.ts';

/**
 * The audit log of a tenant (SPEC §13: approving, rejecting and terminating a GDAP relationship,
 * the partner's changes to it, DAP removal). A cross-tenant event is written twice, once into
 * each tenant's log, in the transaction of the change itself, so neither side can lose its record
 * of what the other did.
 */

/** Who did it: a person of some tenant, an application, or Warden itself (the daily job). */
export interface AuditActor {
  tenantId: string | null;
  userId: string | null;
  appId: string | null;
  /** The UPN of the person, the application's name, or "Warden". */
  name: string;
}

export const SYSTEM_ACTOR: AuditActor = { tenantId: null, userId: null, appId: null, name: 'Warden' };

export interface AuditEventInput {
  category: string;
  activity: string;
  actor: AuditActor;
  target: { type: string; id: string; name?: string | null };
  details?: Record<string, unknown>;
}

export interface AuditEvent extends AuditEventInput {
  tenantId: string;
  id: string;
  occurredAt: number;
  otherTenantId: string | null;
  details: Record<string, unknown>;
}

/**
 * Writes the event into each tenant's log named (one row per distinct tenant; nulls skipped).
 * `concerns` names the other side when only one log gets the event (a partner's draft names its
 * customer), so the row still says whom it was about.
 */
export async function recordAuditEvent(
  db: Db,
  tenants: readonly (string | null | undefined)[],
  event: AuditEventInput,
  now: number,
  concerns?: string | null,
): Promise<void> {
  const distinct = [...new Set(tenants.filter((t): t is string => typeof t === 'string'))];
  if (distinct.length === 0) return;
  const rows: AuditEventTable[] = distinct.map((tenantId) => ({
    tenant_id: tenantId,
    id: randomUUID(),
    occurred_at: now,
    category: event.category,
    activity: event.activity,
    actor_tenant_id: event.actor.tenantId,
    actor_user_id: event.actor.userId,
    actor_app_id: event.actor.appId,
    actor_name: event.actor.name.slice(0, 320),
    target_type: event.target.type,
    target_id: event.target.id,
    target_name: event.target.name?.slice(0, 320) ?? null,
    other_tenant_id:
      distinct.find((other) => other !== tenantId) ?? (concerns && concerns !== tenantId ? concerns : null),
    details: JSON.stringify(event.details ?? {}),
  }));
  await db.insertInto('audit_events').values(rows).execute();
}

function toAuditEvent(row: AuditEventTable): AuditEvent {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    occurredAt: Number(row.occurred_at),
    category: row.category,
    activity: row.activity,
    actor: {
      tenantId: row.actor_tenant_id,
      userId: row.actor_user_id,
      appId: row.actor_app_id,
      name: row.actor_name,
    },
    target: { type: row.target_type, id: row.target_id, name: row.target_name },
    otherTenantId: row.other_tenant_id,
    details: JSON.parse(row.details) as Record<string, unknown>,
  };
}

/** A tenant's events, newest first, optionally of one category, one target or one other tenant. */
export async function listAuditEvents(
  db: Db,
  tenantId: string,
  filter: {
    category?: string;
    targetId?: string;
    otherTenantId?: string;
    since?: number;
    limit?: number;
  } = {},
): Promise<AuditEvent[]> {
  let query = db.selectFrom('audit_events').selectAll().where('tenant_id', '=', tenantId);
  if (filter.category) query = query.where('category', '=', filter.category);
  if (filter.targetId) query = query.where('target_id', '=', filter.targetId);
  if (filter.otherTenantId) query = query.where('other_tenant_id', '=', filter.otherTenantId);
  if (filter.since !== undefined) query = query.where('occurred_at', '>=', filter.since);
  const rows = await query
    .orderBy('occurred_at', 'desc')
    .orderBy('id')
    .limit(Math.min(filter.limit ?? 500, 5000))
    .execute();
  return rows.map(toAuditEvent);
}
