import { randomUUID } from 'node:crypto';
import { type AuditActor, recordAuditEvent, SYSTEM_ACTOR } from '../audit/audit-events.ts';
import { Refusal } from '../errors/catalogued-error.ts';
import { isGuid } from '../guid.ts';
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

/** The audit category of every GDAP change (both tenants' logs). */
export const AUDIT_CATEGORY = 'DelegatedAdministration';

/** The activity each event is logged as, in the words of Partner Center's activity log (§1.8). */
export const AUDIT_ACTIVITY: { readonly [E in RelationshipEvent | 'create']?: string } = {
  create: 'Granular admin relationship created',
  edit: 'Granular admin relationship updated',
  editAutoExtend: 'Granular admin relationship auto-extension changed',
  delete: 'Granular admin relationship deleted',
  lockForApproval: 'Granular admin relationship locked for approval',
  approve: 'Granular admin relationship approved',
  reject: 'Granular admin relationship rejected',
  terminate: 'Granular admin relationship terminated',
  requestExpired: 'Granular admin relationship request expired',
  endReached: 'Granular admin relationship expired',
  autoExtend: 'Granular admin relationship auto-extended',
  purge: 'Granular admin relationship removed',
};

/** Whether `customerTenantId` is a customer of the partner (a relationship names only its own customers). */
async function isCustomerOf(db: Db, partnerTenantId: string, customerTenantId: string): Promise<boolean> {
  const row = await db
    .selectFrom('customers')
    .select('id')
    .where('tenant_id', '=', partnerTenantId)
    .where('customer_tenant_id', '=', customerTenantId.toLowerCase())
    .executeTakeFirst();
  return row !== undefined;
}

/** Creates a relationship in `created` with the partner's terms, checked first. */
export async function createRelationship(
  db: Db,
  partnerTenantId: string,
  terms: RelationshipTerms & { customerTenantId?: string | undefined },
  now: number,
  by: AuditActor = SYSTEM_ACTOR,
): Promise<Relationship> {
  const problem = relationshipTermsProblem(terms);
  if (problem) throw new DelegatedAdminError('invalid', problem.message);
  if (
    terms.customerTenantId !== undefined &&
    !(await isCustomerOf(db, partnerTenantId, terms.customerTenantId))
  )
    throw new DelegatedAdminError('invalid', `${terms.customerTenantId} is not one of your customers.`);
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
    await inTransaction(db, async (trx) => {
      await trx.insertInto('delegated_admin_relationships').values(row).execute();
      await audit(trx, toRelationship(row), 'create', by, now);
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken(row.display_name);
    throw error;
  }
  return toRelationship(row);
}

function nameTaken(name: string): DelegatedAdminError {
  return new DelegatedAdminError('conflict', `A relationship named '${name}' exists already.`);
}

async function audit(
  db: Db,
  relationship: Relationship,
  event: RelationshipEvent | 'create',
  by: AuditActor,
  now: number,
  details: Record<string, unknown> = {},
): Promise<void> {
  // A draft (`created`, not yet sent for approval) is the partner's own business: the customer's
  // log starts when the request reaches it.
  const draft = relationship.status === 'created' || event === 'create' || event === 'delete';
  await recordAuditEvent(
    db,
    draft ? [relationship.partnerTenantId] : [relationship.partnerTenantId, relationship.customerTenantId],
    {
      category: AUDIT_CATEGORY,
      activity: AUDIT_ACTIVITY[event] ?? event,
      actor: by,
      target: { type: 'delegatedAdminRelationship', id: relationship.id, name: relationship.displayName },
      details: { status: relationship.status, roles: relationship.roleTemplateIds, ...details },
    },
    now,
    relationship.customerTenantId,
  );
}

/**
 * A relationship the customer may answer: one naming it, or one naming no customer that is waiting
 * for approval ("approval by any customer", §1.2), if the customer is one of the partner's own —
 * Warden does not let a stranger who holds the link see or answer it.
 */
export async function getRelationshipForApproval(
  db: Db,
  customerTenantId: string,
  id: string,
): Promise<Relationship | undefined> {
  if (!isRelationshipId(id)) return undefined;
  const row = await db
    .selectFrom('delegated_admin_relationships')
    .selectAll()
    .where('id', '=', id)
    .where('status', '!=', 'created')
    .where((eb) =>
      eb.or([
        eb('customer_tenant_id', '=', customerTenantId),
        eb.and([
          eb('customer_tenant_id', 'is', null),
          eb('status', '=', 'approvalPending'),
          // Only the partner's own customers may see or answer a request naming no customer.
          eb.exists(
            eb
              .selectFrom('customers')
              .select('customers.id')
              .whereRef('customers.tenant_id', '=', 'delegated_admin_relationships.partner_tenant_id')
              .where('customers.customer_tenant_id', '=', customerTenantId),
          ),
        ]),
      ]),
    )
    .executeTakeFirst();
  return row && toRelationship(row);
}

/**
 * Whether `id` has the form of the ids `createRelationship` gives (two GUIDs joined by a hyphen).
 * Anything else names no relationship, and is not sent to the database (PostgreSQL refuses a NUL).
 */
export function isRelationshipId(id: unknown): id is string {
  return (
    typeof id === 'string' &&
    id.length === 73 &&
    isGuid(id.slice(0, 36)) &&
    id[36] === '-' &&
    isGuid(id.slice(37))
  );
}

export async function getRelationship(
  db: Db,
  scope: RelationshipScope,
  id: string,
): Promise<Relationship | undefined> {
  if (!isRelationshipId(id)) return undefined;
  let query = db.selectFrom('delegated_admin_relationships').selectAll().where('id', '=', id);
  query =
    'partnerTenantId' in scope
      ? query.where('partner_tenant_id', '=', scope.partnerTenantId)
      : // A customer never sees a partner's draft (`created`): it reaches the customer when locked.
        query.where('customer_tenant_id', '=', scope.customerTenantId).where('status', '!=', 'created');
  const row = await query.executeTakeFirst();
  return row && toRelationship(row);
}

/**
 * The partner's relationships, newest first, optionally of one status or one customer; `after`
 * continues a page (keyset paging on the order's key: created time, then id).
 */
export async function listRelationships(
  db: Db,
  partnerTenantId: string,
  filter: {
    status?: RelationshipStatus;
    customerTenantId?: string;
    limit?: number;
    after?: { createdAt: number; id: string } | undefined;
  } = {},
): Promise<Relationship[]> {
  let query = db
    .selectFrom('delegated_admin_relationships')
    .selectAll()
    .where('partner_tenant_id', '=', partnerTenantId);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.customerTenantId)
    query = query.where('customer_tenant_id', '=', filter.customerTenantId.toLowerCase());
  const after = filter.after;
  if (after)
    query = query.where((eb) =>
      eb.or([
        eb('created_at', '<', after.createdAt),
        eb.and([eb('created_at', '=', after.createdAt), eb('id', '>', after.id)]),
      ]),
    );
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
  /** For `edit` and `editAutoExtend`: the new terms (the rest stay as they are). */
  edits?: Partial<RelationshipTerms & { customerTenantId: string }> | undefined;
  /** Who made the change, for both tenants' audit logs (the system's jobs when absent). */
  by?: AuditActor | undefined;
}

/** The request rows Graph shows under `requests` for the events that are requests (§1.4). */
const REQUEST_EVENTS = ['lockForApproval', 'approve', 'reject', 'terminate'] as const;
type RequestAction = (typeof REQUEST_EVENTS)[number];

export interface RelationshipRequest {
  id: string;
  relationshipId: string;
  action: RequestAction;
  status: 'created' | 'pending' | 'succeeded' | 'failed';
  createdAt: number;
  lastModifiedAt: number;
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
    const answering = input.event === 'approve' || input.event === 'reject';
    const found =
      answering && 'customerTenantId' in scope
        ? await getRelationshipForApproval(trx, scope.customerTenantId, id)
        : await getRelationship(trx, scope, id);
    if (!found) throw new DelegatedAdminError('not_found', `No relationship ${id}.`);
    // A request naming no customer is bound to the one that answers it, if it is the partner's.
    let current = found;
    if ('customerTenantId' in scope && found.customerTenantId === null) {
      if (!(await isCustomerOf(trx, found.partnerTenantId, scope.customerTenantId)))
        throw new DelegatedAdminError('not_found', `No relationship ${id}.`);
      current = { ...found, customerTenantId: scope.customerTenantId };
    }
    if (input.ifVersion !== undefined && input.ifVersion !== current.version)
      throw new DelegatedAdminError(
        'precondition_failed',
        'The relationship changed since it was read (ETag).',
      );
    const step = transition(current.status, input.event, input.actor);
    // §1.3: a request unanswered for 90 days has expired, even before the daily job removes it.
    if (
      step.ok &&
      (input.event === 'approve' || input.event === 'reject') &&
      current.lockedAt !== null &&
      now >= current.lockedAt + REQUEST_LIFETIME_MS
    )
      throw new DelegatedAdminError(
        'transition_refused',
        'This request expired: it was not answered in 90 days.',
      );
    // §1.3: at endDateTime a relationship without auto-extension expires, even before the clock's
    // job records it; turning auto-extension on then would extend, not end, it.
    if (
      step.ok &&
      input.event === 'editAutoExtend' &&
      current.status === 'active' &&
      current.endsAt !== null &&
      now >= current.endsAt
    )
      throw new DelegatedAdminError(
        'transition_refused',
        'This relationship reached its endDateTime: it is expiring and its auto-extension can no longer change.',
      );
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
      for (const table of [
        'delegated_admin_access_assignments',
        'delegated_admin_requests',
        'delegated_admin_operations',
      ] as const)
        await trx.deleteFrom(table).where('relationship_id', '=', current.id).execute();
      await audit(trx, current, input.event, input.by ?? SYSTEM_ACTOR, now, { from: current.status });
      return undefined;
    }
    const path = settle(step.to);
    const rests = path[path.length - 1]!;
    const edited = editsFor(current, input);
    const changes: Changes & EditedColumns = { ...timestampsFor(current, input, path, now), ...edited };
    if (current.customerTenantId !== found.customerTenantId)
      changes.customer_tenant_id = current.customerTenantId;
    let updated: { numUpdatedRows: bigint };
    try {
      updated = await guard(updateOf(trx))
        .set({ ...changes, status: rests, version: current.version + 1, last_modified_at: now })
        .executeTakeFirst();
    } catch (error) {
      if (isUniqueViolation(error)) throw nameTaken(edited.display_name ?? current.displayName);
      throw error;
    }
    if (Number(updated.numUpdatedRows) !== 1) throw lostRace();
    const after: Relationship = {
      ...current,
      ...fromChanges(changes),
      ...fromEdits(edited),
      status: rests,
      version: current.version + 1,
      lastModifiedAt: now,
    };
    // §1.9: once a relationship has ended, members of its groups lose access at once.
    if (rests === 'terminated' || rests === 'expired')
      await trx
        .updateTable('delegated_admin_access_assignments')
        .set({ status: 'deleted', last_modified_at: now })
        .where('relationship_id', '=', current.id)
        .where('status', '!=', 'deleted')
        .execute();
    if ((REQUEST_EVENTS as readonly string[]).includes(input.event))
      await trx
        .insertInto('delegated_admin_requests')
        .values({
          partner_tenant_id: current.partnerTenantId,
          relationship_id: current.id,
          id: randomUUID(),
          action: input.event as RequestAction,
          status: 'succeeded',
          created_at: now,
          last_modified_at: now,
        })
        .execute();
    await audit(trx, after, input.event, input.by ?? SYSTEM_ACTOR, now, {
      from: current.status,
      ...(input.edits ? { changed: Object.keys(input.edits) } : {}),
    });
    return after;
  });
}

type EditedColumns = Partial<
  Pick<
    DelegatedAdminRelationshipTable,
    'display_name' | 'duration' | 'auto_extend_duration' | 'roles' | 'customer_tenant_id'
  >
>;

/** The columns an edit changes, after checking the terms it leads to (relationship-rules.ts). */
function editsFor(current: Relationship, input: EventInput): EditedColumns {
  const edits = input.edits;
  if (!edits || (input.event !== 'edit' && input.event !== 'editAutoExtend')) return {};
  if (input.event === 'editAutoExtend' && Object.keys(edits).some((key) => key !== 'autoExtendDuration'))
    throw new DelegatedAdminError(
      'transition_refused',
      `Only autoExtendDuration can be changed while the relationship is ${current.status}.`,
    );
  const terms: RelationshipTerms = {
    displayName: edits.displayName ?? current.displayName,
    duration: edits.duration ?? current.duration,
    autoExtendDuration: edits.autoExtendDuration ?? current.autoExtendDuration,
    roleTemplateIds: edits.roleTemplateIds ?? current.roleTemplateIds,
  };
  const problem = relationshipTermsProblem(terms);
  if (problem) throw new DelegatedAdminError('invalid', problem.message);
  const columns: EditedColumns = {};
  if (edits.displayName !== undefined) columns.display_name = edits.displayName.trim();
  if (edits.duration !== undefined) columns.duration = edits.duration;
  if (edits.autoExtendDuration !== undefined) columns.auto_extend_duration = edits.autoExtendDuration;
  if (edits.roleTemplateIds !== undefined)
    columns.roles = JSON.stringify(edits.roleTemplateIds.map((role) => role.toLowerCase()));
  if (edits.customerTenantId !== undefined) columns.customer_tenant_id = edits.customerTenantId.toLowerCase();
  return columns;
}

function fromEdits(columns: EditedColumns): Partial<Relationship> {
  return {
    ...(columns.display_name !== undefined ? { displayName: columns.display_name } : {}),
    ...(columns.duration !== undefined ? { duration: columns.duration } : {}),
    ...(columns.auto_extend_duration !== undefined
      ? { autoExtendDuration: columns.auto_extend_duration }
      : {}),
    ...(columns.roles !== undefined ? { roleTemplateIds: JSON.parse(columns.roles) as string[] } : {}),
    ...(columns.customer_tenant_id !== undefined ? { customerTenantId: columns.customer_tenant_id } : {}),
  };
}

/**
 * The partner's PATCH (§1.2): the whole object while `created`, only `autoExtendDuration` while
 * `active`; the lifecycle table decides which. A customer named must be one of the partner's.
 */
export async function updateRelationship(
  db: Db,
  partnerTenantId: string,
  id: string,
  edits: NonNullable<EventInput['edits']>,
  options: { ifVersion?: number | undefined; by: AuditActor },
  now: number,
): Promise<Relationship> {
  if (
    edits.customerTenantId !== undefined &&
    !(await isCustomerOf(db, partnerTenantId, edits.customerTenantId))
  )
    throw new DelegatedAdminError('invalid', `${edits.customerTenantId} is not one of your customers.`);
  const onlyAutoExtend = Object.keys(edits).every((key) => key === 'autoExtendDuration');
  const current = await getRelationship(db, { partnerTenantId }, id);
  // While `created` every edit is an `edit`; elsewhere only the auto-extension may change.
  const event: RelationshipEvent =
    onlyAutoExtend && current?.status !== 'created' ? 'editAutoExtend' : 'edit';
  const updated = await applyEvent(
    db,
    { partnerTenantId },
    id,
    { event, actor: 'partner', ifVersion: options.ifVersion, edits, by: options.by },
    now,
  );
  return updated!;
}

/** A request on a relationship (§1.4: the partner's `lockForApproval` and `terminate`), as Graph shows it. */
export async function requestAction(
  db: Db,
  partnerTenantId: string,
  id: string,
  action: 'lockForApproval' | 'terminate',
  options: { ifVersion?: number | undefined; by: AuditActor },
  now: number,
): Promise<{ relationship: Relationship; request: RelationshipRequest }> {
  return inTransaction(db, async (trx) => {
    const relationship = await applyEvent(
      trx,
      { partnerTenantId },
      id,
      { event: action, actor: 'partner', ifVersion: options.ifVersion, by: options.by },
      now,
    );
    // Each action happens once in a relationship's life (the table allows no second lock or
    // terminate), so the request is the one of this action — not merely the newest, which two
    // requests in one millisecond would leave ambiguous.
    const requests = await listRequests(trx, partnerTenantId, id);
    const request = requests.find((r) => r.action === action);
    return { relationship: relationship!, request: request! };
  });
}

function toRequest(row: {
  id: string;
  relationship_id: string;
  action: RequestAction;
  status: RelationshipRequest['status'];
  created_at: number;
  last_modified_at: number;
}): RelationshipRequest {
  return {
    id: row.id,
    relationshipId: row.relationship_id,
    action: row.action,
    status: row.status,
    createdAt: Number(row.created_at),
    lastModifiedAt: Number(row.last_modified_at),
  };
}

/** The requests made on one of the partner's relationships, newest first. */
export async function listRequests(
  db: Db,
  partnerTenantId: string,
  relationshipId: string,
): Promise<RelationshipRequest[]> {
  const rows = await db
    .selectFrom('delegated_admin_requests')
    .selectAll()
    .where('partner_tenant_id', '=', partnerTenantId)
    .where('relationship_id', '=', relationshipId)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(300)
    .execute();
  return rows.map(toRequest);
}

/** The relationships a customer holds with any partner (its "Partner relationships" page), newest first. */
export async function listCustomerRelationships(
  db: Db,
  customerTenantId: string,
  filter: { status?: RelationshipStatus } = {},
): Promise<Relationship[]> {
  let query = db
    .selectFrom('delegated_admin_relationships')
    .selectAll()
    .where('customer_tenant_id', '=', customerTenantId.toLowerCase())
    .where('status', '!=', 'created');
  if (filter.status) query = query.where('status', '=', filter.status);
  const rows = await query.orderBy('created_at', 'desc').orderBy('id').limit(500).execute();
  return rows.map(toRelationship);
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
