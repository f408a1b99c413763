import type { WardenContext } from '../../context.ts';
import { listAssignments } from '../../delegated-admin/access-assignments.ts';
import { getRelationship, type Relationship } from '../../delegated-admin/relationships.ts';
import { type Group, queryGroups } from '../../directory/groups.ts';
import { html } from '../../http/html.ts';
import { type Customer, listCustomers } from '../../partner-center/customers.ts';
import type { PageViewer } from '../guard.ts';
import {
  approvalLink,
  assignForm,
  assignmentTable,
  type CreateValues,
  createForm,
  lockForm,
  relationshipFacts,
  terminateForm,
} from '../views/gdap-forms.ts';
import {
  autoExtendLabel,
  customerGdapPath,
  errorNotice,
  expiryCell,
  GDAP_HOME,
  type PageError,
  type RelationshipRow,
  roleList,
} from '../views/gdap-views.ts';
import { dashboardPage } from '../views/layout.ts';

/**
 * The GDAP pages as HTML, for the GET handlers and for the POST handlers that show a refusal on
 * the page it came from (gdap-actions.ts). Every read is scoped to the viewer's partner tenant.
 */

/** The nav entry every GDAP page is under. */
export const GDAP_NAV = GDAP_HOME;

/** The partner's customers by their tenant id (how relationships name them). */
export async function customersByTenant(
  ctx: WardenContext,
  partnerTenantId: string,
): Promise<Map<string, Customer>> {
  const customers = await listCustomers(ctx.db, partnerTenantId);
  return new Map(customers.map((c) => [c.customerTenantId, c]));
}

/** The partner tenant's groups (§1.5: an assignment names a security group of the partner's own tenant). */
export async function partnerGroups(ctx: WardenContext, partnerTenantId: string): Promise<Group[]> {
  const groups = await queryGroups(ctx.db, partnerTenantId, { conditions: [], limit: 500 });
  return groups.sort((a, b) => a.displayName.localeCompare(b.displayName));
}

export function customerName(customers: Map<string, Customer>, relationship: Relationship): string {
  if (relationship.customerTenantId === null) return 'Any customer (not yet approved)';
  return customers.get(relationship.customerTenantId)?.companyName ?? relationship.customerTenantId;
}

/** The table rows for these relationships: customer names and the names of the groups assigned. */
export async function relationshipRows(
  ctx: WardenContext,
  partnerTenantId: string,
  relationships: Relationship[],
): Promise<RelationshipRow[]> {
  const [customers, groups] = await Promise.all([
    customersByTenant(ctx, partnerTenantId),
    partnerGroups(ctx, partnerTenantId),
  ]);
  const groupNames = new Map(groups.map((g) => [g.id, g.displayName]));
  return Promise.all(
    relationships.map(async (relationship) => {
      const assignments = await listAssignments(ctx.db, partnerTenantId, relationship.id);
      return {
        relationship,
        customerName: customerName(customers, relationship),
        groupNames: assignments
          .filter((a) => a.status !== 'deleted')
          .map((a) => groupNames.get(a.groupId) ?? a.groupId),
      };
    }),
  );
}

export async function renderCreate(
  ctx: WardenContext,
  viewer: PageViewer,
  values: CreateValues,
  error?: PageError,
): Promise<string> {
  const customers = await listCustomers(ctx.db, viewer.tenant.id);
  return dashboardPage(
    'Request a GDAP relationship',
    html`${errorNotice(error)}
<p>Ask a customer for specific Microsoft Entra roles for a limited time. The customer’s Global Administrator approves the request; only then can you assign your groups.</p>
${createForm(viewer.session.csrf, customers, values)}
<p><a href="${GDAP_HOME}">All GDAP relationships</a></p>`,
    viewer,
    GDAP_NAV,
  );
}

/** The page of one relationship, or undefined when the partner has none with this id. */
export async function renderRelationship(
  ctx: WardenContext,
  viewer: PageViewer,
  id: string,
  error?: PageError,
): Promise<string | undefined> {
  const partnerTenantId = viewer.tenant.id;
  const relationship = await getRelationship(ctx.db, { partnerTenantId }, id);
  if (!relationship) return undefined;
  const now = ctx.clock.now();
  const [customers, groups, assignments] = await Promise.all([
    customersByTenant(ctx, partnerTenantId),
    partnerGroups(ctx, partnerTenantId),
    listAssignments(ctx.db, partnerTenantId, relationship.id),
  ]);
  const csrf = viewer.session.csrf;
  const active = relationship.status === 'active';
  const customer = relationship.customerTenantId ? customers.get(relationship.customerTenantId) : undefined;
  const link = `${ctx.config.baseUrl}/admin/partners/invitation/granularAdminRelationships/${relationship.id}`;
  return dashboardPage(
    relationship.displayName,
    html`${errorNotice(error)}
${relationshipFacts(relationship, customerName(customers, relationship), expiryCell(relationship, now), autoExtendLabel(relationship))}
<h2>Roles requested</h2>
${roleList(relationship.roleTemplateIds)}
${relationship.status === 'created' ? lockForm(csrf, relationship) : ''}
${relationship.status === 'approvalPending' ? approvalLink(link) : ''}
<h2>Assigned groups</h2>
${assignmentTable(assignments, new Map(groups.map((g) => [g.id, g.displayName])))}
${active ? assignForm(csrf, relationship, groups) : html`<p class="muted">Groups can be assigned while the relationship is active.</p>`}
${active ? html`<h2>Terminate</h2>${terminateForm(csrf, relationship)}` : ''}
<p>${customer ? html`<a href="${customerGdapPath(customer.id)}">${customer.companyName}’s relationships</a> · ` : ''}<a href="${GDAP_HOME}">All GDAP relationships</a></p>`,
    viewer,
    GDAP_NAV,
  );
}
