import type { FastifyInstance } from 'fastify';
import { hasMfaMethod, methodsOf } from '../../authentication-methods/methods.ts';
import type { WardenContext } from '../../context.ts';
import { listUsers } from '../../directory/users.ts';
import { html } from '../../http/html.ts';
import { listSignIns } from '../../sign-in-logs/sign-in-log.ts';
import { viewerOf } from '../guard.ts';
import { sendPage } from '../respond.ts';
import { dashboardPage, table } from '../views/layout.ts';

/** The Security workspace (SPEC E1 row 4, from 004): how the tenant meets R1, who has MFA, recent sign-ins. */
export function securityPages(app: FastifyInstance, ctx: WardenContext): void {
  app.get(
    '/dashboard/security',
    { config: { dashboardPage: { operation: 'security.view', area: 'security' } } },
    async (req, reply) => {
      const viewer = viewerOf(req);
      const tenant = viewer.tenant;
      const users = await listUsers(ctx.db, tenant.id, 200);
      const registered = await Promise.all(
        users.map(async (u) => hasMfaMethod(await methodsOf(ctx.db, tenant.id, u.id))),
      );
      const signIns = (await listSignIns(ctx.db, tenant.id)).slice(0, 20);
      const how =
        tenant.security_defaults === 1
          ? 'Security defaults are on: every account must register for and use MFA.'
          : tenant.require_mfa_all_users === 1
            ? 'A tenant policy requires MFA for every user.'
            : 'Neither security defaults nor a policy requiring MFA for every user is on: this tenant does not meet requirement R1.';
      return sendPage(
        reply,
        200,
        dashboardPage(
          'Security',
          html`<h2>Multi-factor authentication</h2>
<p data-testid="r1-status">${how}</p>
${table(
  ['User', 'Type', 'Enabled', 'MFA registered'],
  users.map(
    (u, i) =>
      html`<tr><td>${u.userPrincipalName}</td><td>${u.userType}</td><td>${u.accountEnabled ? 'yes' : 'no'}</td><td>${registered[i] ? 'yes' : 'no'}</td></tr>`,
  ),
  'No users.',
)}
<h2>Recent sign-ins</h2>
${table(
  ['Time', 'User', 'Application', 'Result', 'Requirement'],
  signIns.map(
    (s) =>
      html`<tr><td>${s.createdDateTime.slice(0, 19).replace('T', ' ')}</td><td>${s.userPrincipalName ?? '—'}</td><td>${s.appId ?? '—'}</td><td>${s.status.errorCode === 0 ? 'success' : `AADSTS${s.status.errorCode}`}</td><td>${s.authenticationRequirement}</td></tr>`,
  ),
  'No sign-ins yet.',
)}`,
          viewer,
          '/dashboard/security',
        ),
      );
    },
  );
}
