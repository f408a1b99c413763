import type { Viewer } from '../../dashboard/views/layout.ts';
import { type Html, html } from '../../http/html.ts';
import { pageFrame } from '../../http/page-frame.ts';

export type { Viewer };

const NAV: [href: string, label: string][] = [
  ['/admin/partners', 'Partner relationships'],
  ['/admin/partners/activity', 'Partner activity'],
  ['/admin/audit', 'Audit log'],
];

function header(viewer: Viewer | undefined, current: string): Html {
  if (!viewer) return html`<header class="top"><p class="brand">Warden admin center</p></header>`;
  const { user, tenant, session } = viewer;
  return html`<header class="top">
<p class="brand">Warden admin center</p>
<div class="who">
<span class="user" data-testid="signed-in-user">${user.displayName} (${user.userPrincipalName})</span>
<span class="tenant" data-testid="signed-in-tenant">${tenant.display_name}</span>
${session.mfa ? html`<span class="badge ok" data-testid="mfa-status">MFA verified</span>` : ''}
<form method="post" action="/admin/sign-out" class="inline">
<input type="hidden" name="csrf" value="${session.csrf}">
<button type="submit" class="link">Sign out</button>
</form>
</div>
<nav aria-label="Admin center">
<ul>${NAV.map(
    ([href, label]) =>
      html`<li><a href="${href}"${current === href ? html` aria-current="page"` : ''}>${label}</a></li>`,
  )}</ul>
</nav>
</header>`;
}

/**
 * The customer admin center's page frame: server-rendered, no inline script or style (strict
 * CSP), the dashboard's stylesheet.
 */
export function adminPage(title: string, body: Html, viewer?: Viewer, current = ''): string {
  return pageFrame({ site: 'Warden admin center', title, header: header(viewer, current), body });
}
