import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { html } from '../../http/html.ts';
import { ACCESS, type AccessArea, mayAccess, roleLabel } from '../../partner-center/access.ts';
import { viewerOf } from '../guard.ts';
import { sendPage } from '../respond.ts';
import { dashboardPage } from '../views/layout.ts';

const AREAS: [AccessArea, string, string][] = [
  ['customers', 'Customers', '/commerce/customers'],
  ['customer-requests', 'Customer requests', '/dashboard/support/customers'],
  ['billing', 'Billing', '/dashboard/billing'],
  ['security', 'Security workspace', '/dashboard/security'],
];

/** Overview and Service health: signed-in pages that SPEC E1 does not protect with MFA. */
export function overviewPages(app: FastifyInstance, ctx: WardenContext): void {
  app.get(
    '/dashboard',
    { config: { dashboardPage: { operation: 'overview.view', area: null } } },
    async (req, reply) => {
      const viewer = viewerOf(req);
      const roles = [...viewer.roles].map(roleLabel);
      return sendPage(
        reply,
        200,
        dashboardPage(
          'Overview',
          html`<p>Welcome, ${viewer.user.givenName ?? viewer.user.displayName}. You are signed in to ${viewer.tenant.display_name}
(${viewer.tenant.program_type ?? viewer.tenant.kind}).</p>
<p data-testid="roles">Your roles: ${roles.length ? roles.join(', ') : 'none'}.</p>
${
  viewer.session.mfa
    ? html`<p>This session is verified with multi-factor authentication.</p>`
    : html`<p>This session was signed in without multi-factor authentication. Protected pages will ask you to verify first.</p>`
}
<h2>Your workspaces</h2>
<ul>${AREAS.map(
            ([area, label, href]) =>
              html`<li>${mayAccess(viewer.roles, area) ? html`<a href="${href}">${label}</a>` : html`${label} <span class="muted">(for ${ACCESS[area].map(roleLabel).join(', ')})</span>`}</li>`,
          )}</ul>`,
          viewer,
          '/dashboard',
        ),
      );
    },
  );

  app.get(
    '/dashboard/health',
    { config: { dashboardPage: { operation: 'health.view', area: null } } },
    async (req, reply) => {
      const viewer = viewerOf(req);
      const started = ctx.clock.now();
      let database = 'operational';
      try {
        await ctx.db.selectFrom('tenants').select('id').limit(1).execute();
      } catch {
        database = 'degraded';
      }
      const rows: [string, string][] = [
        ['Sign-in and token service', 'operational'],
        [`Database (${ctx.dbKind})`, `${database} (${ctx.clock.now() - started} ms)`],
        ['Partner API', 'operational'],
      ];
      return sendPage(
        reply,
        200,
        dashboardPage(
          'Service health',
          html`<dl class="facts">${rows.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>`,
          viewer,
          '/dashboard/health',
        ),
      );
    },
  );
}
