/**
 * THE decision of how a fraud event's status may change (STYLE 2 and 6: one chokepoint, a state
 * table). Reference §5.2: Partner Center's update takes `Active`, `Investigating` or `Resolved`,
 * a resolution with `Fraud` or `Ignore`; the dashboard adds "Mark as legitimate" (`Legitimate`).
 * Only the status changes: nothing is remediated.
 */
export const EVENT_STATUSES = ['Active', 'Investigating', 'Resolved'] as const;
export type FraudEventStatus = (typeof EVENT_STATUSES)[number];

export const RESOLVED_REASONS = ['Fraud', 'Ignore', 'Legitimate'] as const;
export type ResolvedReason = (typeof RESOLVED_REASONS)[number];

export type StatusChange =
  | { status: 'Active' | 'Investigating' }
  | { status: 'Resolved'; reason: ResolvedReason };

/**
 * From each status, the statuses it may move to. A resolved event may be reopened (a partner
 * marked it by mistake); moving to the status it has is no change, except a resolved event given
 * another reason (fraud after ignore), which is a change of its resolution.
 */
const TRANSITIONS: Readonly<Record<FraudEventStatus, readonly FraudEventStatus[]>> = {
  Active: ['Investigating', 'Resolved'],
  Investigating: ['Active', 'Resolved'],
  Resolved: ['Active', 'Investigating'],
};

export type TransitionOutcome = 'change' | 'unchanged';

/** Whether `change` changes an event now in `status` with `reason`: a change, or nothing to do. */
export function transitionOf(
  status: FraudEventStatus,
  reason: ResolvedReason | null,
  change: StatusChange,
): TransitionOutcome {
  if (change.status === status)
    return change.status === 'Resolved' && change.reason !== reason ? 'change' : 'unchanged';
  return TRANSITIONS[status].includes(change.status) ? 'change' : 'unchanged';
}

export function isEventStatus(value: unknown): value is FraudEventStatus {
  return typeof value === 'string' && (EVENT_STATUSES as readonly string[]).includes(value);
}

export function isResolvedReason(value: unknown): value is ResolvedReason {
  return typeof value === 'string' && (RESOLVED_REASONS as readonly string[]).includes(value);
}
