import type { Tenant } from '../../directory/tenants.ts';
import type { User } from '../../directory/users.ts';
import { type Html, html } from '../../http/html.ts';
import { pageFrame } from '../../http/page-frame.ts';
import type { DashboardSession } from '../sessions.ts';

/** Who is looking at a page: shown in every header (issue 3 item 3: who, which tenant, MFA or not). */
export interface Viewer {
  user: User;
  tenant: Tenant;
  session: DashboardSession;
}

/** `operator`: shown to the operator tenant's users only (the program pages); `partner`: to partners' only. */
const NAV: [href: string, label: string, protectedArea: boolean, only?: 'operator' | 'partner'][] = [
  ['/dashboard', 'Overview', false],
  ['/commerce/customers', 'Customers', true],
  ['/dashboard/customers/gdap', 'GDAP', true],
  ['/dashboard/support/customers', 'Customer requests', true],
  ['/dashboard/billing', 'Billing', true],
  ['/dashboard/security', 'Security', true],
  ['/dashboard/security/requirements', 'Security requirements', true, 'partner'],
  ['/dashboard/program/security', 'Program security', true, 'operator'],
  ['/dashboard/security/alerts', 'Security alerts', true],
  ['/dashboard/technical-exceptions', 'Technical exceptions', true, 'partner'],
  ['/dashboard/program/exceptions', 'Exception review', true, 'operator'],
  ['/dashboard/health', 'Service health', false],
];

function header(viewer: Viewer | undefined, current: string): Html {
  if (!viewer) return html`<header class="top"><p class="brand">Warden Partner Center</p></header>`;
  const { user, tenant, session } = viewer;
  return html`<header class="top">
<p class="brand">Warden Partner Center</p>
<div class="who">
<span class="user" data-testid="signed-in-user">${user.displayName} (${user.userPrincipalName})</span>
<span class="tenant" data-testid="signed-in-tenant">${tenant.display_name}</span>
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
<ul>${NAV.filter(([, , , only]) => only === undefined || only === tenant.kind).map(
    ([href, label, mfa]) =>
      html`<li><a href="${href}"${current === href ? html` aria-current="page"` : ''}>${label}</a>${mfa ? html`<span class="lock" title="MFA required"> ⚿</span>` : ''}</li>`,
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
