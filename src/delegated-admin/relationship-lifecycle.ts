/**
 * THE lifecycle of a GDAP relationship (SPEC §13, E3; reference partner-center-gdap-sam.md §1.3):
 * every status Microsoft Graph's `delegatedAdminRelationship` has, and only its transitions, in one
 * table. Whoever changes a relationship — the partner's API call, the customer's approval page,
 * the daily clock — asks `transition()` what the event leads to, and a refusal changes nothing.
 * Pure: no storage, no clock of its own (the time-driven events are computed by `dueEvent()` from
 * the instant it is given, Warden's clock in practice).
 *
 *   created ──lockForApproval──▶ approvalPending ──approve──▶ approved ─▶ activating ─▶ active
 *      │ edit, delete                  │ reject ──▶ terminated      (provisioning)       │
 *      ▼                               └ 90 days, no answer ──▶ (removed)               │
 *   (removed)                                                                           │
 *   active ──terminate──▶ terminationRequested ─▶ terminating ─▶ terminated             │
 *   active ──endDateTime, auto-extend P180D (no Global Administrator)──▶ active (+180 days)
 *   active ──endDateTime, no auto-extend──▶ expiring ─▶ expired      (never re-activated)
 *   expired, terminated ──one year──▶ (removed)
 */

export const RELATIONSHIP_STATUSES = [
  'created',
  'approvalPending',
  'approved',
  'activating',
  'active',
  'expiring',
  'expired',
  'terminationRequested',
  'terminating',
  'terminated',
] as const;
export type RelationshipStatus = (typeof RELATIONSHIP_STATUSES)[number];

/** A relationship past its last status: purged, after which neither side sees it (§1.3 "Timers"). */
export const REMOVED = 'removed';
export type Destination = RelationshipStatus | typeof REMOVED;

/** Who may cause an event: the partner (Admin agents, or its app), the customer's administrator, or the system. */
export type Actor = 'partner' | 'customer' | 'system';

export const RELATIONSHIP_EVENTS = [
  // The partner's requests and edits (Graph: PATCH, DELETE, POST requests).
  'edit',
  'editAutoExtend',
  'delete',
  'lockForApproval',
  'terminate',
  // The customer's answer on the approval page.
  'approve',
  'reject',
  // Warden's own provisioning steps; it runs them at once, in the transaction of the event before.
  'provision',
  'activate',
  'deprovision',
  'finishTermination',
  'finishExpiry',
  // The clock's (dueEvent).
  'requestExpired',
  'endReached',
  'autoExtend',
  'purge',
] as const;
export type RelationshipEvent = (typeof RELATIONSHIP_EVENTS)[number];

interface Edge {
  readonly to: Destination;
  readonly by: readonly Actor[];
}

/**
 * The table: for each status, the events allowed in it, where each leads and who may cause it.
 * An event not listed for a status is refused there (fail closed).
 */
export const LIFECYCLE: { readonly [S in RelationshipStatus]: { readonly [E in RelationshipEvent]?: Edge } } =
  {
    created: {
      // §1.2: the whole object is editable only while `created`; DELETE only then (§1.1).
      edit: { to: 'created', by: ['partner'] },
      editAutoExtend: { to: 'created', by: ['partner'] },
      delete: { to: REMOVED, by: ['partner'] },
      lockForApproval: { to: 'approvalPending', by: ['partner'] },
    },
    approvalPending: {
      approve: { to: 'approved', by: ['customer'] },
      // Warden: a customer's refusal ends the request as `terminated` (Graph shows no customer reject).
      reject: { to: 'terminated', by: ['customer'] },
      // §1.3: an unanswered request expires after 90 days and is cleaned up.
      requestExpired: { to: REMOVED, by: ['system'] },
    },
    approved: { provision: { to: 'activating', by: ['system'] } },
    activating: { activate: { to: 'active', by: ['system'] } },
    active: {
      // §1.2: autoExtendDuration can be changed while `created` or `active`.
      editAutoExtend: { to: 'active', by: ['partner'] },
      // §1.4: the partner's `terminate` request; the customer's "Remove roles" (§1.8).
      terminate: { to: 'terminationRequested', by: ['partner', 'customer'] },
      // §1.3: at endDateTime, without auto-extension, it expires...
      endReached: { to: 'expiring', by: ['system'] },
      // ...and with P180D (never with Global Administrator) its end moves 180 days on.
      autoExtend: { to: 'active', by: ['system'] },
    },
    expiring: { finishExpiry: { to: 'expired', by: ['system'] } },
    // §1.3: an expired relationship is never restored or re-activated: nothing leads out but purge.
    expired: { purge: { to: REMOVED, by: ['system'] } },
    terminationRequested: { deprovision: { to: 'terminating', by: ['system'] } },
    terminating: { finishTermination: { to: 'terminated', by: ['system'] } },
    terminated: { purge: { to: REMOVED, by: ['system'] } },
  };

export type TransitionRefusal = 'not_allowed_in_status' | 'not_allowed_for_actor';

export type Transition =
  | { ok: true; to: Destination }
  | { ok: false; refusal: TransitionRefusal; allowedIn: RelationshipStatus[] };

/** What `event` by `actor` does to a relationship in `status`: where it leads, or why not. */
export function transition(status: RelationshipStatus, event: RelationshipEvent, actor: Actor): Transition {
  const edge = Object.hasOwn(LIFECYCLE[status], event) ? LIFECYCLE[status][event] : undefined;
  if (!edge) return { ok: false, refusal: 'not_allowed_in_status', allowedIn: statusesAllowing(event) };
  if (!edge.by.includes(actor))
    return { ok: false, refusal: 'not_allowed_for_actor', allowedIn: statusesAllowing(event) };
  return { ok: true, to: edge.to };
}

/** The statuses in which `event` is allowed at all (for the refusal's message). */
export function statusesAllowing(event: RelationshipEvent): RelationshipStatus[] {
  return RELATIONSHIP_STATUSES.filter((status) => Object.hasOwn(LIFECYCLE[status], event));
}

/**
 * The steps Warden runs itself right after an event, in the same transaction: an approved
 * relationship is provisioned and active at once; a termination or an expiry is finished at once.
 */
const SYSTEM_FOLLOW_UP: { readonly [S in RelationshipStatus]?: RelationshipEvent } = {
  approved: 'provision',
  activating: 'activate',
  terminationRequested: 'deprovision',
  terminating: 'finishTermination',
  expiring: 'finishExpiry',
};

/** The statuses a relationship passes through after entering `status`, ending where it rests. */
export function settle(status: RelationshipStatus): RelationshipStatus[] {
  const path: RelationshipStatus[] = [status];
  for (let current = status, next = SYSTEM_FOLLOW_UP[current]; next; next = SYSTEM_FOLLOW_UP[current]) {
    const step = transition(current, next, 'system');
    if (!step.ok || step.to === REMOVED) break;
    current = step.to;
    path.push(current);
  }
  return path;
}

const DAY_MS = 24 * 3600 * 1000;
/** §1.3: a request nobody answered is removed after 90 days. */
export const REQUEST_LIFETIME_MS = 90 * DAY_MS;
/** §1.3: expired and terminated relationships are cleaned up after a year. */
export const RETENTION_MS = 365 * DAY_MS;
/** §1.2: the one auto-extension Graph allows. */
export const AUTO_EXTENSION_MS = 180 * DAY_MS;

/** What the clock needs to know of a relationship. */
export interface TimedRelationship {
  status: RelationshipStatus;
  /** When it was locked for approval (ms), for the 90-day request expiry. */
  lockedAt: number | null;
  /** When it ends (ms): activatedDateTime + duration, moved on by auto-extensions. */
  endsAt: number | null;
  /** When it became expired or terminated (ms), for the one-year purge. */
  endedAt: number | null;
  autoExtendMs: number;
  includesGlobalAdministrator: boolean;
}

/**
 * The time-driven event due for a relationship at `now`, if any (the daily job asks, and applies
 * it through `transition`). Auto-extension needs P180D and no Global Administrator role (§1.2).
 */
export function dueEvent(rel: TimedRelationship, now: number): RelationshipEvent | undefined {
  switch (rel.status) {
    case 'approvalPending':
      return rel.lockedAt !== null && now >= rel.lockedAt + REQUEST_LIFETIME_MS
        ? 'requestExpired'
        : undefined;
    case 'active':
      if (rel.endsAt === null || now < rel.endsAt) return undefined;
      return rel.autoExtendMs === AUTO_EXTENSION_MS && !rel.includesGlobalAdministrator
        ? 'autoExtend'
        : 'endReached';
    case 'expired':
    case 'terminated':
      return rel.endedAt !== null && now >= rel.endedAt + RETENTION_MS ? 'purge' : undefined;
    default:
      return undefined;
  }
}
