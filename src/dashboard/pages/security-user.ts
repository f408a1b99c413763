import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import type { AuditActor } from '../../audit/audit-events.ts';
import { methodsOf } from '../../authentication-methods/methods.ts';
import { requireMfaReregistration } from '../../authentication-methods/require-reregistration.ts';
import type { WardenContext } from '../../context.ts';
import { DirectoryError, type DirectoryErrorCode } from '../../directory/directory-error.ts';
import { resetUserPassword } from '../../directory/password-reset.ts';
import { changeUsersRisk } from '../../directory/risk-actions.ts';
import { getUser, type User } from '../../directory/users.ts';
import { canonicalGuid } from '../../guid.ts';
import { type Html, html } from '../../http/html.ts';
import { queryRiskDetections, queryRiskyUsers } from '../../identity-protection/risk-queries.ts';
import { listSignIns } from '../../sign-in-logs/sign-in-log.ts';
import { type PageViewer, viewerOf } from '../guard.ts';
import { redirect, sendPage } from '../respond.ts';
import { dashboardPage, table } from '../views/layout.ts';

export const SECURITY_HOME = '/dashboard/security';
export const userPagePath = (id: string) => `${SECURITY_HOME}/users/${id}`;

const AREA = 'security' as const;

type Params = { Params: { id: string } };

// What each notice after a redirect says (POST-redirect-GET).
const DONE = {
  dismissed: 'The user’s risk was dismissed: they sign in again as before.',
  confirmed: 'The user was confirmed compromised: they are blocked until their password is reset.',
} as const;
type Done = keyof typeof DONE;

const STATUS: Record<DirectoryErrorCode, number> = {
  not_found: 404,
  conflict: 409,
  invalid: 400,
  refused: 403,
  last_global_admin: 409,
  password_policy: 400,
};

/**
 * The Security workspace's page of one user (issue 15 item 7, SPEC §9 admin unblock; reference
 * entra-identity §6.4): recent sign-ins, user risk and its detections, and the administrator's
 * actions — reset to a temporary password, dismiss the risk, confirm compromised, require MFA
 * re-registration. Each action is a POST (CSRF checked by the page gate) and one call into the
 * domain, which decides, writes and audits; the page only shows the result. Users of other
 * tenants are not found (404).
 */
export function securityUserPages(app: FastifyInstance, ctx: WardenContext): void {
  app.get<Params & { Querystring: { done?: string } }>(
    `${SECURITY_HOME}/users/:id`,
    { config: { dashboardPage: { operation: 'security.users.view', area: AREA } } },
    async (req, reply) => {
      const viewer = viewerOf(req);
      const target = await targetOf(ctx, viewer, req.params.id);
      if (!target) return notFound(reply, viewer);
      const done = req.query.done;
      const notice =
        done !== undefined && Object.hasOwn(DONE, done)
          ? html`<p class="notice" data-testid="done">${DONE[done as Done]}</p>`
          : undefined;
      return sendPage(reply, 200, await renderUser(ctx, viewer, target, notice));
    },
  );

  app.post<Params>(
    `${SECURITY_HOME}/users/:id/reset-password`,
    { config: { dashboardPage: { operation: 'security.users.resetPassword', area: AREA } } },
    (req, reply) =>
      act(ctx, req, reply, async (viewer, target) => {
        // Generated, to be changed at next sign-in; remediates the user's risk (password-reset.ts).
        const password = await resetUserPassword(ctx, viewer.user, target, undefined);
        // Shown once, on this answer only (no-store), never redirected through a URL.
        return html`<div class="notice" data-testid="reset-done"><p>The password was reset and every session of the user ended. Give the user this temporary password; they must change it when they next sign in. It is shown only this once.</p>
<p><code data-testid="temporary-password">${password ?? ''}</code></p></div>`;
      }),
  );

  app.post<Params>(
    `${SECURITY_HOME}/users/:id/dismiss-risk`,
    { config: { dashboardPage: { operation: 'security.users.dismissRisk', area: AREA } } },
    (req, reply) =>
      act(ctx, req, reply, async (viewer, target) => {
        await changeUsersRisk(ctx.db, viewer.user, [target], 'dismiss', actorOf(viewer), ctx.clock.now());
        return 'dismissed';
      }),
  );

  app.post<Params>(
    `${SECURITY_HOME}/users/:id/confirm-compromised`,
    { config: { dashboardPage: { operation: 'security.users.confirmCompromised', area: AREA } } },
    (req, reply) =>
      act(ctx, req, reply, async (viewer, target) => {
        await changeUsersRisk(
          ctx.db,
          viewer.user,
          [target],
          'confirmCompromised',
          actorOf(viewer),
          ctx.clock.now(),
        );
        return 'confirmed';
      }),
  );

  app.post<Params>(
    `${SECURITY_HOME}/users/:id/require-mfa-registration`,
    { config: { dashboardPage: { operation: 'security.users.requireMfaRegistration', area: AREA } } },
    (req, reply) =>
      act(ctx, req, reply, async (viewer, target) => {
        const { temporaryPassword } = await requireMfaReregistration(ctx, viewer.user, target);
        // Shown once, on this answer only (no-store), as a reset's temporary password is.
        return html`<div class="notice" data-testid="reregistration-done"><p>The user’s MFA methods and recovery codes were removed, their password was reset and every session ended. Give the user this temporary password: they change it and register a method at their next sign-in. It is shown only this once.</p>
<p><code data-testid="temporary-password">${temporaryPassword}</code></p></div>`;
      }),
  );
}

/** The user of the viewer's own tenant named by the path, or undefined (another tenant's too). */
async function targetOf(ctx: WardenContext, viewer: PageViewer, id: string): Promise<User | undefined> {
  const guid = canonicalGuid(id);
  return guid ? getUser(ctx.db, viewer.tenant.id, guid) : undefined;
}

/**
 * One action on one user: 404 for a user not of this tenant; the domain's refusal shown on the
 * user's page with the status it maps to; otherwise a redirect to the page with the notice, or
 * (the reset) the page itself with what must be shown once.
 */
async function act(
  ctx: WardenContext,
  req: FastifyRequest<Params>,
  reply: FastifyReply,
  run: (viewer: PageViewer, target: User) => Promise<Done | Html>,
): Promise<FastifyReply> {
  const viewer = viewerOf(req);
  const target = await targetOf(ctx, viewer, req.params.id);
  if (!target) return notFound(reply, viewer);
  try {
    const outcome = await run(viewer, target);
    if (typeof outcome === 'string') return redirect(reply, `${userPagePath(target.id)}?done=${outcome}`);
    return sendPage(reply, 200, await renderUser(ctx, viewer, target, outcome));
  } catch (error) {
    if (!(error instanceof DirectoryError)) throw error;
    const refusal = html`<p class="error" role="alert" data-testid="refusal" data-code="${error.code}">${error.message}</p>`;
    return sendPage(reply, STATUS[error.code], await renderUser(ctx, viewer, target, refusal));
  }
}

/** SPEC §13: the audit log names the person who acted, by their UPN. */
function actorOf(viewer: PageViewer): AuditActor {
  return {
    tenantId: viewer.tenant.id,
    userId: viewer.user.id,
    appId: null,
    name: viewer.user.userPrincipalName,
  };
}

function notFound(reply: FastifyReply, viewer: PageViewer): FastifyReply {
  return sendPage(
    reply,
    404,
    dashboardPage(
      'User not found',
      html`<p>There is no such user in ${viewer.tenant.display_name}.</p><p><a href="${SECURITY_HOME}">Security</a></p>`,
      viewer,
      SECURITY_HOME,
    ),
  );
}

const time = (iso: string) => iso.slice(0, 19).replace('T', ' ');

async function renderUser(
  ctx: WardenContext,
  viewer: PageViewer,
  user: User,
  notice: Html | undefined,
): Promise<string> {
  const tenantId = viewer.tenant.id;
  const [[risk], detections, signIns, methods] = await Promise.all([
    queryRiskyUsers(ctx.db, tenantId, { conditions: [sql`r.user_id = ${user.id}`], limit: 1 }),
    queryRiskDetections(ctx.db, tenantId, { conditions: [sql`d.user_id = ${user.id}`], limit: 100 }),
    listSignIns(ctx.db, tenantId, { userId: user.id }),
    methodsOf(ctx.db, tenantId, user.id),
  ]);
  const csrf = viewer.session.csrf;
  const form = (action: string, testid: string, label: string, explain: string) =>
    html`<form method="post" action="${userPagePath(user.id)}/${action}">
<input type="hidden" name="csrf" value="${csrf}">
<button type="submit" data-testid="${testid}">${label}</button> <span class="muted">${explain}</span>
</form>`;
  return dashboardPage(
    user.displayName,
    html`<p><a href="${SECURITY_HOME}">Security</a> › ${user.userPrincipalName}</p>
${notice ?? ''}
<h2>User risk</h2>
<dl class="facts">
<dt>Risk level</dt><dd data-testid="risk-level">${risk?.riskLevel ?? 'none'}</dd>
<dt>Risk state</dt><dd data-testid="risk-state">${risk?.riskState ?? 'none'}</dd>
<dt>Risk detail</dt><dd data-testid="risk-detail">${risk?.riskDetail ?? 'none'}</dd>
<dt>MFA methods</dt><dd data-testid="mfa-methods">${methods.totp.length} authenticator app${methods.totp.length === 1 ? '' : 's'}, ${methods.recoveryCodesRemaining} recovery codes left</dd>
</dl>
${table(
  ['Detected', 'Type', 'Level', 'State', 'Detail', 'IP address'],
  [...detections]
    .sort((a, b) => b.detectedDateTime.localeCompare(a.detectedDateTime))
    .map(
      (d) =>
        html`<tr data-detection="${d.id}"><td>${time(d.detectedDateTime)}</td><td>${d.riskEventType}</td><td>${d.riskLevel}</td><td>${d.riskState}</td><td>${d.riskDetail}</td><td>${d.ipAddress ?? '—'}</td></tr>`,
    ),
  'No risk detections.',
)}
<h2>Actions</h2>
${form('reset-password', 'reset-password', 'Reset password', 'A temporary password, shown once, to be changed at next sign-in. Ends every session and remediates the user’s risk.')}
${form('dismiss-risk', 'dismiss-risk', 'Dismiss user risk', 'The risk and its detections are dismissed; the password stays as it is.')}
${form('confirm-compromised', 'confirm-compromised', 'Confirm user compromised', 'Sets the risk to high: the user is blocked until their password is reset.')}
${form('require-mfa-registration', 'require-mfa-registration', 'Require re-registration of MFA', 'Removes the user’s MFA methods and recovery codes and ends their sessions; they register again at next sign-in.')}
<h2>Recent sign-ins</h2>
${table(
  ['Time', 'Application', 'IP address', 'Result', 'Requirement'],
  signIns
    .slice(0, 20)
    .map(
      (s) =>
        html`<tr><td>${time(s.createdDateTime)}</td><td>${s.appDisplayName ?? s.appId ?? '—'}</td><td>${s.ipAddress ?? '—'}</td><td>${s.status.errorCode === 0 ? 'success' : `AADSTS${s.status.errorCode}`}</td><td>${s.authenticationRequirement}</td></tr>`,
    ),
  'No sign-ins yet.',
)}`,
    viewer,
    SECURITY_HOME,
  );
}
