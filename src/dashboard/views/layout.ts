import type { Tenant } from '../../directory/tenants.ts';
import type { User } from '../../directory/users.ts';
import { type Html, html } from '../../http/html.ts';
import { pageFrame } from '../../http/page-frame.ts';
import { type AccessArea, tenantMayEnter } from '../../partner-center/access.ts';
import type { DashboardSession } from '../../relying-party/sessions.ts';

/** Who is looking at a page: shown in every header (issue 3 item 3: who, which tenant, MFA or not). */
export interface Viewer {
  user: User;
  tenant: Tenant;
  session: DashboardSession;
}

/**
 * The menu: each entry with its E1 area (null: no MFA needed), shown to the tenants that may enter
 * that area (AREA_TENANT_KIND: the program pages to the operator, a partner's own pages to partners).
 */
const NAV: [href: string, label: string, area: AccessArea | null][] = [
  ['/dashboard', 'Overview', null],
  ['/commerce/customers', 'Customers', 'customers'],
  ['/dashboard/customers/gdap', 'GDAP', 'gdap'],
  ['/dashboard/support/customers', 'Customer requests', 'customer-requests'],
  ['/dashboard/billing', 'Billing', 'billing'],
  ['/dashboard/security', 'Security', 'security'],
  ['/dashboard/security/requirements', 'Security requirements', 'security-requirements'],
  ['/dashboard/program/security', 'Program security', 'program'],
  ['/dashboard/security/alerts', 'Security alerts', 'security-alerts'],
  ['/dashboard/technical-exceptions', 'Technical exceptions', 'technical-exceptions'],
  ['/dashboard/program/exceptions', 'Exception review', 'program'],
  ['/dashboard/health', 'Service health', null],
];

function header(viewer: Viewer | undefined, current: string): Html {
  if (!viewer) return html`<header class="top"><p class="brand">Warden Partner Center</p></header>`;
  const { user, tenant, session } = viewer;
  return html`<header class="top">
<p class="brand">Warden Partner Center</p>
<div class="who">
<span class="user" data-testid="signed-in-user">${user.displayName} (${user.userPrincipalName})</span>
<span class="tenant" data-testid="signed-in-tenant">${tenant.display_name}</span>
<a href="/${tenant.id}/security-info" data-testid="security-info-link">Security info</a>
${
  session.mfa
    ? html`<span class="badge ok" data-testid="mfa-status">MFA verified</span>`
    : html`<span class="badge warn" data-testid="mfa-status">Signed in without MFA</span>`
}
<form method="post" action="/dashboard/sign-out" class="inline">
<input type="hidden" name="csrf" value="${session.csrf}">
<button type="submit" class="link">Sign out</button>
</form>
</div>
<nav aria-label="Partner Center">
<ul>${NAV.filter(([, , area]) => area === null || tenantMayEnter(tenant.kind, area)).map(
    ([href, label, area]) =>
      html`<li><a href="${href}"${current === href ? html` aria-current="page"` : ''}>${label}</a>${area !== null ? html`<span class="lock" title="MFA required"> ⚿</span>` : ''}</li>`,
  )}</ul>
</nav>
</header>`;
}

/** The dashboard's page frame: server-rendered, no inline script or style (strict CSP). */
export function dashboardPage(title: string, body: Html, viewer?: Viewer, current = ''): string {
  return pageFrame({ site: 'Warden Partner Center', title, header: header(viewer, current), body });
}

export function table(headings: string[], rows: Html[], empty: string): Html {
  if (rows.length === 0) return html`<p class="muted">${empty}</p>`;
  return html`<table>
<thead><tr>${headings.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead>
<tbody>${rows}</tbody>
</table>`;
}

export function money(cents: number, currency: string): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(cents / 100);
}

export function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
