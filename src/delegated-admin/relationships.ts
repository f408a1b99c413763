import { randomUUID } from 'node:crypto';
import { Refusal } from '../errors/catalogued-error.ts';
import { type Db, inTransaction, isUniqueViolation } from '../storage/database.ts';
import type { DelegatedAdminRelationshipTable } from '../storage/schema.ts';
import {
  type Actor,
  AUTO_EXTENSION_MS,
  dueEvent,
  REMOVED,
  REQUEST_LIFETIME_MS,
  RETENTION_MS,
  type RelationshipEvent,
  type RelationshipStatus,
  settle,
  transition,
} from './relationship-lifecycle.ts';
import {
  durationMs,
  GLOBAL_ADMINISTRATOR_TEMPLATE_ID,
  type RelationshipTerms,
  relationshipTermsProblem,
} from './relationship-rules.ts';

/**
 * GDAP relationships in storage (SPEC §13). Every change goes through `applyEvent`, which asks the
 * one lifecycle table (relationship-lifecycle.ts) and writes with a conditional UPDATE on the
 * status and version it read, so concurrent changes (two browsers, two instances) settle to one.
 * Every query is scoped to the partner that owns the relationship or the customer it names.
 */

export type DelegatedAdminErrorCode =
  | 'not_found'
  /** displayName is taken among the partner's relationships. */
  | 'conflict'
  /** The version sent (If-Match) is not the current one. */
  | 'precondition_failed'
  /** The lifecycle does not allow the event in this status, or to this actor. */
  | 'transition_refused'
  /** The requested terms break a rule (relationship-rules.ts). */
  | 'invalid';

export class DelegatedAdminError extends Refusal<DelegatedAdminErrorCode> {}

export interface Relationship {
  partnerTenantId: string;
  id: string;
  displayName: string;
  customerTenantId: string | null;
  duration: string;
  autoExtendDuration: string;
  roleTemplateIds: string[];
  status: RelationshipStatus;
  version: number;
  createdAt: number;
  lastModifiedAt: number;
  lockedAt: number | null;
  activatedAt: number | null;
  endsAt: number | null;
  endedAt: number | null;
  approvedBy: string | null;
}

function toRelationship(row: DelegatedAdminRelationshipTable): Relationship {
  return {
    partnerTenantId: row.partner_tenant_id,
    id: row.id,
    displayName: row.display_name,
    customerTenantId: row.customer_tenant_id,
    duration: row.duration,
    autoExtendDuration: row.auto_extend_duration,
    roleTemplateIds: JSON.parse(row.roles) as string[],
    status: row.status as RelationshipStatus,
    version: Number(row.version),
    createdAt: Number(row.created_at),
    lastModifiedAt: Number(row.last_modified_at),
    lockedAt: row.locked_at === null ? null : Number(row.locked_at),
    activatedAt: row.activated_at === null ? null : Number(row.activated_at),
    endsAt: row.ends_at === null ? null : Number(row.ends_at),
    endedAt: row.ended_at === null ? null : Number(row.ended_at),
    approvedBy: row.approved_by,
  };
}

/** Whose view a read or a change is made in: the owning partner's, or the named customer's. */
export type RelationshipScope = { partnerTenantId: string } | { customerTenantId: string };

/** Creates a relationship in `created` with the partner's terms, checked first. */
export async function createRelationship(
  db: Db,
  partnerTenantId: string,
  terms: RelationshipTerms & { customerTenantId?: string | undefined },
  now: number,
): Promise<Relationship> {
  const problem = relationshipTermsProblem(terms);
  if (problem) throw new DelegatedAdminError('invalid', problem.message);
  const row: DelegatedAdminRelationshipTable = {
    partner_tenant_id: partnerTenantId,
    // Graph's ids are two GUIDs joined by a hyphen; clients treat them as opaque.
    id: `${randomUUID()}-${randomUUID()}`,
    display_name: terms.displayName.trim(),
    customer_tenant_id: terms.customerTenantId?.toLowerCase() ?? null,
    duration: terms.duration,
    auto_extend_duration: terms.autoExtendDuration ?? 'PT0S',
    roles: JSON.stringify(terms.roleTemplateIds.map((id) => id.toLowerCase())),
    status: 'created',
    version: 1,
    created_at: now,
    last_modified_at: now,
    locked_at: null,
    activated_at: null,
    ends_at: null,
    ended_at: null,
    approved_by: null,
  };
  try {
    await db.insertInto('delegated_admin_relationships').values(row).execute();
  } catch (error) {
    if (isUniqueViolation(error))
      throw new DelegatedAdminError('conflict', `A relationship named '${row.display_name}' exists already.`);
    throw error;
  }
  return toRelationship(row);
}

export async function getRelationship(
  db: Db,
  scope: RelationshipScope,
  id: string,
): Promise<Relationship | undefined> {
  let query = db.selectFrom('delegated_admin_relationships').selectAll().where('id', '=', id);
  query =
    'partnerTenantId' in scope
      ? query.where('partner_tenant_id', '=', scope.partnerTenantId)
      : query.where('customer_tenant_id', '=', scope.customerTenantId);
  const row = await query.executeTakeFirst();
  return row && toRelationship(row);
}

/** The partner's relationships, newest first, optionally of one status or one customer. */
export async function listRelationships(
  db: Db,
  partnerTenantId: string,
  filter: { status?: RelationshipStatus; customerTenantId?: string; limit?: number } = {},
): Promise<Relationship[]> {
  let query = db
    .selectFrom('delegated_admin_relationships')
    .selectAll()
    .where('partner_tenant_id', '=', partnerTenantId);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.customerTenantId)
    query = query.where('customer_tenant_id', '=', filter.customerTenantId.toLowerCase());
  const rows = await query
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(filter.limit ?? 300)
    .execute();
  return rows.map(toRelationship);
}

export interface EventInput {
  event: RelationshipEvent;
  actor: Actor;
  /** If-Match: the version the caller last saw; undefined when none was sent (system, customer page). */
  ifVersion?: number | undefined;
  /** For `approve`: the approving administrator. */
  approvedBy?: string | undefined;
}

/**
 * Applies one event of the lifecycle: reads the relationship in the caller's scope, asks the
 * table, then writes the new status (and the steps Warden finishes at once) with a conditional
 * UPDATE on the status and version read. Returns the relationship as it now is (undefined when
 * the event removed it). A refusal, a stale version or a lost race changes nothing.
 */
export async function applyEvent(
  db: Db,
  scope: RelationshipScope,
  id: string,
  input: EventInput,
  now: number,
): Promise<Relationship | undefined> {
  // The actor follows from whose view the change is made in: a customer's view acts as the
  // customer, a partner's as the partner (or the system's own jobs), never the other way round.
  const actorFits = 'customerTenantId' in scope ? input.actor === 'customer' : input.actor !== 'customer';
  if (!actorFits)
    throw new DelegatedAdminError('transition_refused', `The ${input.actor} cannot act in this view.`);
  return inTransaction(db, async (trx) => {
    const current = await getRelationship(trx, scope, id);
    if (!current) throw new DelegatedAdminError('not_found', `No relationship ${id}.`);
    if (input.ifVersion !== undefined && input.ifVersion !== current.version)
      throw new DelegatedAdminError(
        'precondition_failed',
        'The relationship changed since it was read (ETag).',
      );
    const step = transition(current.status, input.event, input.actor);
    if (!step.ok)
      throw new DelegatedAdminError(
        'transition_refused',
        step.refusal === 'not_allowed_for_actor'
          ? `The ${input.actor} cannot ${input.event} a relationship.`
          : `${input.event} is not allowed while the relationship is ${current.status} (only when ${step.allowedIn.join(', ') || 'never'}).`,
      );
    const guard = (q: ReturnType<typeof updateOf>) =>
      q
        .where('id', '=', current.id)
        .where('status', '=', current.status)
        .where('version', '=', current.version);
    if (step.to === REMOVED) {
      const removed = await trx
        .deleteFrom('delegated_admin_relationships')
        .where('id', '=', current.id)
        .where('status', '=', current.status)
        .where('version', '=', current.version)
        .executeTakeFirst();
      if (Number(removed.numDeletedRows) !== 1) throw lostRace();
      return undefined;
    }
    const path = settle(step.to);
    const rests = path[path.length - 1]!;
    const changes = timestampsFor(current, input, path, now);
    const updated = await guard(updateOf(trx))
      .set({ ...changes, status: rests, version: current.version + 1, last_modified_at: now })
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) throw lostRace();
    return {
      ...current,
      ...fromChanges(changes),
      status: rests,
      version: current.version + 1,
      lastModifiedAt: now,
    };
  });
}

function updateOf(trx: Db) {
  return trx.updateTable('delegated_admin_relationships');
}

function lostRace(): DelegatedAdminError {
  return new DelegatedAdminError('precondition_failed', 'The relationship changed meanwhile; read it again.');
}

type Changes = Partial<
  Pick<DelegatedAdminRelationshipTable, 'locked_at' | 'activated_at' | 'ends_at' | 'ended_at' | 'approved_by'>
>;

/** The times an event and the steps after it set (§1.2: endDateTime = activatedDateTime + duration). */
function timestampsFor(
  current: Relationship,
  input: EventInput,
  path: RelationshipStatus[],
  now: number,
): Changes {
  const changes: Changes = {};
  if (input.event === 'lockForApproval') changes.locked_at = now;
  if (path.includes('active') && current.activatedAt === null) {
    changes.activated_at = now;
    changes.ends_at = now + (durationMs(current.duration) ?? 0);
  }
  if (input.event === 'approve' && input.approvedBy) changes.approved_by = input.approvedBy;
  if (input.event === 'autoExtend' && current.endsAt !== null)
    changes.ends_at = current.endsAt + AUTO_EXTENSION_MS;
  const rests = path[path.length - 1];
  if (rests === 'expired' || rests === 'terminated') changes.ended_at = now;
  return changes;
}

function fromChanges(changes: Changes): Partial<Relationship> {
  return {
    ...(changes.locked_at !== undefined ? { lockedAt: changes.locked_at } : {}),
    ...(changes.activated_at !== undefined ? { activatedAt: changes.activated_at } : {}),
    ...(changes.ends_at !== undefined ? { endsAt: changes.ends_at } : {}),
    ...(changes.ended_at !== undefined ? { endedAt: changes.ended_at } : {}),
    ...(changes.approved_by !== undefined ? { approvedBy: changes.approved_by } : {}),
  };
}

/**
 * The clock's work (run daily, and on demand): every relationship whose time-driven event is due at
 * `now` gets it, through `applyEvent`. Idempotent and safe with several instances: a relationship
 * another run changed first is skipped (its conditional write fails). Returns how many changed.
 */
export async function runDueEvents(db: Db, now: number): Promise<number> {
  const candidates = await db
    .selectFrom('delegated_admin_relationships')
    .selectAll()
    .where((eb) =>
      eb.or([
        eb.and([eb('status', '=', 'approvalPending'), eb('locked_at', '<=', now - REQUEST_LIFETIME_MS)]),
        eb.and([eb('status', '=', 'active'), eb('ends_at', '<=', now)]),
        eb.and([eb('status', 'in', ['expired', 'terminated']), eb('ended_at', '<=', now - RETENTION_MS)]),
      ]),
    )
    .execute();
  let changed = 0;
  for (const row of candidates.map(toRelationship)) {
    const event = dueEvent(
      {
        status: row.status,
        lockedAt: row.lockedAt,
        endsAt: row.endsAt,
        endedAt: row.endedAt,
        autoExtendMs: durationMs(row.autoExtendDuration) ?? 0,
        includesGlobalAdministrator: row.roleTemplateIds.includes(GLOBAL_ADMINISTRATOR_TEMPLATE_ID),
      },
      now,
    );
    if (!event) continue;
    try {
      await applyEvent(
        db,
        { partnerTenantId: row.partnerTenantId },
        row.id,
        { event, actor: 'system', ifVersion: row.version },
        now,
      );
      changed += 1;
    } catch (error) {
      if (!(error instanceof DelegatedAdminError) || error.code !== 'precondition_failed') throw error;
    }
  }
  return changed;
}
