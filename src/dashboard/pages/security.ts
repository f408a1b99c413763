import type { FastifyInstance } from 'fastify';
import { type SqlBool, sql } from 'kysely';
import { hasMfaMethod, methodsOf } from '../../authentication-methods/methods.ts';
import type { WardenContext } from '../../context.ts';
import { listUsers } from '../../directory/users.ts';
import { html } from '../../http/html.ts';
import { queryRiskyUsers, type RiskyUser } from '../../identity-protection/risk-queries.ts';
import { listSignIns } from '../../sign-in-logs/sign-in-log.ts';
import { viewerOf } from '../guard.ts';
import { sendPage } from '../respond.ts';
import { dashboardPage, table } from '../views/layout.ts';
import { userPagePath } from './security-user.ts';

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
      // Issue 15 item 7: each user's risk, and a link to their page (security-user.ts).
      const risky =
        users.length === 0
          ? []
          : await queryRiskyUsers(ctx.db, tenant.id, {
              conditions: [sql<SqlBool>`r.user_id in (${sql.join(users.map((u) => u.id))})`],
              limit: users.length,
            });
      const risks = new Map(risky.map((r) => [r.id, r] as const));
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
  ['User', 'Type', 'Enabled', 'MFA registered', 'Risk'],
  users.map(
    (u, i) =>
      html`<tr data-user="${u.id}"><td><a href="${userPagePath(u.id)}">${u.userPrincipalName}</a></td><td>${u.userType}</td><td>${u.accountEnabled ? 'yes' : 'no'}</td><td>${registered[i] ? 'yes' : 'no'}</td><td data-testid="risk">${riskLabel(risks.get(u.id))}</td></tr>`,
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

/** A user's risk as the list shows it: the level while it counts, else how it ended (or none). */
function riskLabel(risk: RiskyUser | undefined): string {
  if (!risk || risk.riskState === 'none') return 'none';
  if (risk.riskLevel !== 'none') return `${risk.riskLevel} (${risk.riskState})`;
  return risk.riskState;
}
