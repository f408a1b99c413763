import { gdapRole } from '../../delegated-admin/gdap-roles.ts';
import type { RelationshipStatus } from '../../delegated-admin/relationship-lifecycle.ts';
import { durationMs } from '../../delegated-admin/relationship-rules.ts';
import type { DelegatedAdminErrorCode, Relationship } from '../../delegated-admin/relationships.ts';
import { type Html, html } from '../../http/html.ts';
import { expiryWindow } from './gdap-expiry.ts';
import { day, table } from './layout.ts';

/** The pieces of the partner dashboard's GDAP pages (issue 10 item 4): server-rendered, no script. */

export const GDAP_HOME = '/dashboard/customers/gdap';

export function relationshipPath(id: string): string {
  return `${GDAP_HOME}/relationships/${encodeURIComponent(id)}`;
}

export function customerGdapPath(customerId: string): string {
  return `/dashboard/customers/${encodeURIComponent(customerId)}/gdap`;
}

/** Partner Center's words for Graph's statuses. */
const STATUS_LABELS: Record<RelationshipStatus, string> = {
  created: 'Created (not sent)',
  approvalPending: 'Approval pending',
  approved: 'Approved',
  activating: 'Activating',
  active: 'Active',
  expiring: 'Expiring',
  expired: 'Expired',
  terminationRequested: 'Termination requested',
  terminating: 'Terminating',
  terminated: 'Terminated',
};

export function statusCell(status: RelationshipStatus): Html {
  return html`<span class="status status-${status}" data-status="${status}">${STATUS_LABELS[status]}</span>`;
}

export function roleName(templateId: string): string {
  return gdapRole(templateId)?.displayName ?? templateId;
}

export function roleList(templateIds: readonly string[]): Html {
  return html`<ul class="roles">${templateIds.map((id) => html`<li>${roleName(id)}</li>`)}</ul>`;
}

export function autoExtendLabel(relationship: Relationship): string {
  const ms = durationMs(relationship.autoExtendDuration) ?? 0;
  return ms > 0 ? `Yes, by ${ms / (24 * 3600 * 1000)} days` : 'No';
}

/**
 * The end of a relationship; within 30, 7 or 1 day of it (Warden's clock) the cell is highlighted
 * with a class and a visible label, so the warning does not rest on colour alone.
 */
export function expiryCell(relationship: Relationship, now: number): Html {
  if (relationship.endsAt === null)
    return html`<span class="muted">${relationship.duration.replace(/^P(\d+)D$/, '$1 days')} once approved</span>`;
  const window = expiryWindow(relationship, now);
  return html`<span class="expiry${window ? html` expiring expiring-${window}` : ''}" data-testid="expiry" data-expiring="${window ?? ''}">${day(relationship.endsAt)}${window ? html` <strong class="expiry-label">Expires within ${window} ${window === 1 ? 'day' : 'days'}</strong>` : ''}</span>`;
}

export interface RelationshipRow {
  relationship: Relationship;
  customerName: string;
  groupNames: string[];
}

export function relationshipTable(rows: RelationshipRow[], now: number, empty: string): Html {
  return table(
    ['Relationship', 'Customer', 'Status', 'Roles', 'Ends', 'Auto-extend', 'Assigned groups'],
    rows.map(
      ({ relationship: r, customerName, groupNames }) =>
        html`<tr data-relationship="${r.id}"><td><a href="${relationshipPath(r.id)}">${r.displayName}</a></td><td>${customerName}</td><td>${statusCell(r.status)}</td><td>${roleList(r.roleTemplateIds)}</td><td>${expiryCell(r, now)}</td><td>${autoExtendLabel(r)}</td><td>${groupNames.length ? groupNames.join(', ') : html`<span class="muted">none</span>`}</td></tr>`,
    ),
    empty,
  );
}

/** What the partner reads when an action is refused: by the domain's error code, never a stack. */
const ERROR_TEXT: Record<DelegatedAdminErrorCode, string> = {
  not_found: 'There is no such relationship among yours.',
  conflict: 'This would duplicate something that exists already.',
  precondition_failed:
    'This relationship changed meanwhile, after this page was shown. Nothing was changed: review it as it is now and try again.',
  transition_refused: 'This cannot be done in the relationship’s current status.',
  invalid: 'The form has a problem.',
};

export const ERROR_STATUS: Record<DelegatedAdminErrorCode, number> = {
  not_found: 404,
  conflict: 409,
  precondition_failed: 412,
  transition_refused: 409,
  invalid: 400,
};

export interface PageError {
  code: DelegatedAdminErrorCode;
  message: string;
}

export function errorNotice(error: PageError | undefined): Html {
  if (!error) return html``;
  return html`<div class="error" role="alert" data-error-code="${error.code}"><p>${ERROR_TEXT[error.code]}</p><p>${error.message}</p></div>`;
}
