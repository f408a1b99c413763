import { gdapRole } from '../delegated-admin/gdap-roles.ts';
import { durationMs } from '../delegated-admin/relationship-rules.ts';
import type { Relationship } from '../delegated-admin/relationships.ts';
import { getTenant } from '../directory/tenants.ts';
import { getUser } from '../directory/users.ts';
import { type Html, html } from '../http/html.ts';
import type { Db } from '../storage/database.ts';

const DAY_MS = 24 * 3600 * 1000;

/** The partner as the customer knows it: its name and verified domain (the relationship names it). */
export async function partnerOf(db: Db, rel: Relationship): Promise<{ name: string; domain: string }> {
  const tenant = await getTenant(db, rel.partnerTenantId);
  return { name: tenant?.display_name ?? rel.partnerTenantId, domain: tenant?.domain ?? '' };
}

/** Who approved it, by UPN (the approver is a user of the customer's own tenant). */
export async function approverOf(db: Db, customerTenantId: string, rel: Relationship): Promise<string> {
  if (!rel.approvedBy) return '—';
  const user = await getUser(db, customerTenantId, rel.approvedBy);
  return user?.userPrincipalName ?? rel.approvedBy;
}

/** Every role asked for, with what it lets the partner do (gdap-roles.ts), for the customer to read. */
export function rolesList(templateIds: readonly string[]): Html {
  return html`<ul class="roles" data-testid="roles">${templateIds.map((id) => {
    const role = gdapRole(id);
    return role
      ? html`<li data-role="${role.templateId}"><strong>${role.displayName}</strong>: <span class="meaning">${role.meaning}</span></li>`
      : html`<li data-role="${id}"><strong>${id}</strong>: <span class="meaning">A role Warden does not know.</span></li>`;
  })}</ul>`;
}

export function roleNames(templateIds: readonly string[]): string {
  return templateIds.map((id) => gdapRole(id)?.displayName ?? id).join(', ');
}

/** The ISO 8601 duration in whole days (P1D … P2Y, relationship-rules.ts). */
export function durationDays(duration: string): number {
  return Math.round((durationMs(duration) ?? 0) / DAY_MS);
}

/** Reference §1.2: P180D renews the relationship for 180 days at its end; PT0S/P0D never. */
export function autoExtension(autoExtendDuration: string): string {
  const days = Math.round((durationMs(autoExtendDuration) ?? 0) / DAY_MS);
  return days > 0 ? `Renews automatically for ${days} days at its end` : 'Does not renew automatically';
}

export function when(ms: number | null): string {
  return ms === null ? '—' : new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

/** The facts both the approval page and the detail page show. */
export function relationshipFacts(rel: Relationship, partner: { name: string; domain: string }): Html {
  return html`<dl class="facts">
<dt>Partner</dt><dd data-testid="partner-name">${partner.name}</dd>
<dt>Partner domain</dt><dd data-testid="partner-domain">${partner.domain}</dd>
<dt>Relationship</dt><dd data-testid="relationship-name">${rel.displayName}</dd>
<dt>Duration</dt><dd data-testid="duration-days">${String(durationDays(rel.duration))} days</dd>
<dt>Auto-extension</dt><dd data-testid="auto-extend">${autoExtension(rel.autoExtendDuration)}</dd>
<dt>Status</dt><dd data-testid="status">${rel.status}</dd>
</dl>
<h2>Roles requested</h2>
${rolesList(rel.roleTemplateIds)}`;
}
