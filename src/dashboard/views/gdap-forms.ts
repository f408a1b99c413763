import type { AccessAssignment } from '../../delegated-admin/access-assignments.ts';
import { GDAP_ROLES } from '../../delegated-admin/gdap-roles.ts';
import {
  GLOBAL_ADMINISTRATOR_TEMPLATE_ID,
  MAX_DISPLAY_NAME,
} from '../../delegated-admin/relationship-rules.ts';
import type { Relationship } from '../../delegated-admin/relationships.ts';
import type { Group } from '../../directory/groups.ts';
import { type Html, html } from '../../http/html.ts';
import type { Customer } from '../../partner-center/customers.ts';
import { GDAP_HOME, relationshipPath, roleName, statusCell } from './gdap-views.ts';
import { day, table } from './layout.ts';

/**
 * The GDAP forms of the partner dashboard. Each posts the session's CSRF token (the page gate
 * checks it) and, for a change to a relationship, the version it was rendered from, so a form
 * left open while someone else changed the relationship is refused instead of acting on news it
 * never showed. Roles are checkboxes named `role-{templateId}`: the form parser keeps one value
 * per name. `/assets/dashboard-gdap.js` only adds comfort (Copy, the auto-extension hint).
 */

export const ROLE_FIELD = 'role-';

export interface CreateValues {
  displayName: string;
  customerId: string;
  durationDays: string;
  roleTemplateIds: string[];
  autoExtend: boolean;
}

export const NEW_RELATIONSHIP: CreateValues = {
  displayName: '',
  customerId: '',
  durationDays: '730',
  roleTemplateIds: [],
  autoExtend: false,
};

function csrfField(csrf: string): Html {
  return html`<input type="hidden" name="csrf" value="${csrf}">`;
}

export function createForm(csrf: string, customers: Customer[], values: CreateValues): Html {
  const withGlobalAdmin = values.roleTemplateIds.includes(GLOBAL_ADMINISTRATOR_TEMPLATE_ID);
  return html`<form method="post" action="${GDAP_HOME}" class="stack gdap-create" id="create-relationship">
${csrfField(csrf)}
<label for="displayName">Relationship name</label>
<input id="displayName" name="displayName" required maxlength="${MAX_DISPLAY_NAME}" value="${values.displayName}">
<label for="customerId">Customer</label>
<select id="customerId" name="customerId" required>
<option value="">Choose a customer</option>
${customers.map((c) => html`<option value="${c.id}"${c.id === values.customerId ? html` selected` : ''}>${c.companyName} (${c.domain})</option>`)}
</select>
<label for="durationDays">Duration in days (1–730)</label>
<input id="durationDays" name="durationDays" type="number" min="1" max="730" step="1" required value="${values.durationDays}">
<fieldset class="roles">
<legend>Microsoft Entra roles</legend>
${GDAP_ROLES.map(
  (role) =>
    html`<label class="check"><input type="checkbox" name="${ROLE_FIELD}${role.templateId}" value="on"${values.roleTemplateIds.includes(role.templateId) ? html` checked` : ''}${role.templateId === GLOBAL_ADMINISTRATOR_TEMPLATE_ID ? html` data-global-admin` : ''}> ${role.displayName} <span class="muted">— ${role.meaning}</span></label>`,
)}
</fieldset>
<label class="check"><input type="checkbox" id="autoExtend" name="autoExtend" value="P180D" data-auto-extend${values.autoExtend && !withGlobalAdmin ? html` checked` : ''}${withGlobalAdmin ? html` disabled` : ''}> Extend automatically by 180 days at the end</label>
<p class="muted" id="auto-extend-note">Not available when Global Administrator is requested: such a relationship always ends.</p>
<button type="submit">Create relationship</button>
</form>
<script src="/assets/dashboard-gdap.js" defer></script>`;
}

function versionField(relationship: Relationship): Html {
  return html`<input type="hidden" name="version" value="${relationship.version}">`;
}

export function lockForm(csrf: string, relationship: Relationship): Html {
  return html`<form method="post" action="${relationshipPath(relationship.id)}/lock" class="stack" id="lock-relationship">
${csrfField(csrf)}${versionField(relationship)}
<p>Locking sends nothing by itself: it fixes the terms and gives you the link the customer’s Global Administrator opens to approve them. The terms cannot be edited afterwards.</p>
<button type="submit">Lock for approval</button>
</form>`;
}

/** §1.8: the link the customer's administrator opens; read-only, and copied with one click when scripts run. */
export function approvalLink(link: string): Html {
  return html`<section aria-labelledby="approval-heading" class="approval">
<h2 id="approval-heading">Approval link</h2>
<p>Send this link to a Global Administrator of the customer. It opens the approval page in their own tenant; once approved or rejected, it cannot be used again.</p>
<label for="approval-link">Link for the customer</label>
<input id="approval-link" type="url" readonly value="${link}" data-testid="approval-link" class="wide">
<button type="button" data-copy="approval-link" hidden>Copy</button>
<span class="copy-status" data-copy-status="approval-link" role="status"></span>
</section>
<script src="/assets/dashboard-gdap.js" defer></script>`;
}

export function assignForm(csrf: string, relationship: Relationship, groups: Group[]): Html {
  return html`<form method="post" action="${relationshipPath(relationship.id)}/assignments" class="stack" id="assign-group">
${csrfField(csrf)}${versionField(relationship)}
<label for="groupId">Security group of your tenant</label>
<select id="groupId" name="groupId" required>
<option value="">Choose a group</option>
${groups.map((g) => html`<option value="${g.id}">${g.displayName}</option>`)}
</select>
<fieldset class="roles">
<legend>Roles for its members (from this relationship’s)</legend>
${relationship.roleTemplateIds.map((id) => html`<label class="check"><input type="checkbox" name="${ROLE_FIELD}${id}" value="on"> ${roleName(id)}</label>`)}
</fieldset>
<button type="submit">Assign group</button>
</form>`;
}

export function terminateForm(csrf: string, relationship: Relationship): Html {
  return html`<form method="post" action="${relationshipPath(relationship.id)}/terminate" class="stack danger" id="terminate-relationship">
${csrfField(csrf)}${versionField(relationship)}
<p>Terminating ends the relationship for good: members of its groups lose their roles in ${relationship.displayName}’s customer tenant at once, and it cannot be re-activated.</p>
<label class="check"><input type="checkbox" name="confirm" value="yes" required> Yes, terminate this relationship</label>
<button type="submit" class="danger">Terminate relationship</button>
</form>`;
}

export function assignmentTable(assignments: AccessAssignment[], groupNames: Map<string, string>): Html {
  return table(
    ['Group', 'Roles', 'Status', 'Assigned'],
    assignments.map(
      (a) =>
        html`<tr data-assignment="${a.id}"><td>${groupNames.get(a.groupId) ?? a.groupId}</td><td>${a.roleTemplateIds.map(roleName).join(', ')}</td><td>${a.status}</td><td>${day(a.createdAt)}</td></tr>`,
    ),
    'No group is assigned yet.',
  );
}

export function relationshipFacts(
  relationship: Relationship,
  customerName: string,
  expiry: Html,
  autoExtend: string,
): Html {
  return html`<dl class="facts">
<dt>Customer</dt><dd>${customerName}</dd>
<dt>Status</dt><dd>${statusCell(relationship.status)}</dd>
<dt>Duration</dt><dd>${relationship.duration}</dd>
<dt>Ends</dt><dd>${expiry}</dd>
<dt>Auto-extend</dt><dd>${autoExtend}</dd>
<dt>Approved by</dt><dd>${relationship.approvedBy ?? '—'}</dd>
<dt>Relationship id</dt><dd><code>${relationship.id}</code></dd>
</dl>`;
}
