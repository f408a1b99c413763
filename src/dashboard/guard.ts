import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { getTenant } from '../directory/tenants.ts';
import { getUser } from '../directory/users.ts';
import { readCookie } from '../http/cookies.ts';
import { html } from '../http/html.ts';
import { setSecurityHeaders } from '../http/security-headers.ts';
import { tagTenantClass } from '../metrics/tenant-class.ts';
import {
  ACCESS,
  type AccessArea,
  mayAccess,
  type PartnerRole,
  partnerRolesOf,
  roleLabel,
  tenantMayEnter,
} from '../partner-center/access.ts';
import { RETRY_AFTER_SECONDS, type RequestRecord } from '../reports/request-log.ts';
import { safeEqual } from '../security/constant-time.ts';
import { exceptionCovers } from '../technical-exceptions/coverage.ts';
import { exceptionMayCover } from '../technical-exceptions/scope.ts';
import { redirect, sendPage } from './respond.ts';
import { HOME, returnPath } from './return-path.ts';
import { beginSignIn, SESSION_COOKIE, type SignInDeps } from './sign-in.ts';
import { dashboardPage, type Viewer } from './views/layout.ts';

/**
 * What every dashboard page declares (STYLE 2): its operation name for the request log and the
 * SPEC E1 area it belongs to — `null` for the pages that need sign-in but no MFA (Overview,
 * Service health).
 */
export interface PageDeclaration {
  operation: string;
  area: AccessArea | null;
}

export interface PageViewer extends Viewer {
  roles: Set<PartnerRole>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    dashboardPage?: PageDeclaration;
  }
  interface FastifyRequest {
    viewer?: PageViewer;
    /** SPEC §12: admitted without the MFA proof under the tenant's approved technical exception. */
    underException?: boolean;
  }
}

/** The viewer the gate admitted (page handlers run only after it). */
export function viewerOf(req: FastifyRequest): PageViewer {
  if (!req.viewer) throw new Error('dashboard page ran without the gate');
  return req.viewer;
}

/**
 * THE gate of the dashboard (SPEC E1), installed on the plugin that holds every page: sign-in
 * first; then, for a protected area, the role of the E1 matrix (403 naming who may enter) and the
 * MFA proof (a session without it goes back to the authority with `amr_values=mfa`); forms must
 * carry the session's CSRF token. Every page request is written to the request log.
 */
export function installPageGate(app: FastifyInstance, deps: SignInDeps): void {
  const { ctx, sessions } = deps;
  app.addHook('onRoute', (route) => {
    if (!route.config?.dashboardPage) {
      throw new Error(
        `dashboard page ${String(route.method)} ${route.url} must declare its operation and E1 area`,
      );
    }
  });

  app.addHook('onRequest', async (req, reply) => {
    const declaration = req.routeOptions.config.dashboardPage;
    if (!declaration)
      return sendPage(reply, 404, dashboardPage('Not found', html`<p>There is no such page.</p>`));
    const now = ctx.clock.now();
    const session = await sessions.find(readCookie(req.headers.cookie, SESSION_COOKIE), 'dashboard', now);
    const [user, tenant] = session
      ? await Promise.all([
          getUser(ctx.db, session.tenantId, session.userId),
          getTenant(ctx.db, session.tenantId),
        ])
      : [undefined, undefined];
    // Partner Center is for partner and operator tenants only: a customer tenant's session (the
    // admin center's, src/admin-center/) is refused and ended, whatever cookie carried it.
    const ofThisSite = tenant?.kind === 'partner' || tenant?.kind === 'operator';
    if (!session || !user?.accountEnabled || !tenant || !ofThisSite) {
      if (session) await sessions.end(session);
      const back = req.method === 'GET' ? returnPath(req.url) : HOME;
      return redirect(reply, `/dashboard/sign-in?return=${encodeURIComponent(back)}`);
    }
    const roles = await partnerRolesOf(ctx.db, tenant.id, user.id);
    req.viewer = { user, tenant, session, roles };
    tagTenantClass(req.raw, tenant.kind); // issue 16 item 2: the class, never the id
    const area = declaration.area;
    if (area === null) return;
    // An area of one kind of tenant (the operator's program; a partner's requirements and
    // exceptions) is refused to the other before roles are looked at: a partner's Global admin
    // holds the program's roles in its own tenant, not in the operator's.
    if (!tenantMayEnter(tenant.kind, area)) return notThisTenant(reply, req.viewer, area);
    if (!mayAccess(roles, area)) return forbidden(reply, req.viewer, area);
    // SPEC §12: the one exception to E1. A session without the proof opens a protected page when
    // the partner holds an approved exception for E1 in force — except the areas scope.ts keeps
    // MFA-only (GDAP/DAP: delegated admin; filing exceptions; the operator's program pages) and the
    // writes it keeps MFA-only (security alerts' actions, the security contact).
    if (
      !session.mfa &&
      exceptionMayCover(area, { delegated: false, method: req.method }) &&
      (await exceptionCovers(ctx.db, tenant.id, now, 'E1'))
    ) {
      req.underException = true;
      return;
    }
    // SPEC E1: a protected page without the MFA proof sends the user to do MFA, then back here.
    if (!session.mfa) {
      return beginSignIn(deps, reply, {
        tenantId: tenant.id,
        loginHint: user.userPrincipalName,
        returnTo: returnPath(req.method === 'GET' ? req.url : req.url.split('?')[0]),
        stepUp: true,
      });
    }
  });

  // Forms carry the session's CSRF token (SameSite=Lax already keeps cross-site posts cookieless).
  app.addHook('preHandler', async (req, reply) => {
    if (req.method !== 'POST') return;
    const given = (req.body as Record<string, unknown> | undefined)?.csrf;
    if (typeof given !== 'string' || !safeEqual(given, viewerOf(req).session.csrf)) {
      return sendPage(
        reply,
        403,
        dashboardPage(
          'Request refused',
          html`<p>The form was not sent by this dashboard. Reload the page and try again.</p>`,
          req.viewer,
        ),
      );
    }
  });

  // SPEC §11 B1: the row is committed before the page goes out (onSend runs before the status line
  // is written), so a crash cannot lose an operation that was answered; when it cannot be stored,
  // RequestLog.recordBeforeAnswer says whether the page still goes or becomes a 503.
  app.addHook('onSend', async (req, reply, payload) => {
    const viewer = req.viewer;
    const declaration = req.routeOptions.config.dashboardPage;
    if (!viewer || !declaration) return payload;
    const steppedUp =
      reply.statusCode === 303 && declaration.area !== null && !viewer.session.mfa && !req.underException;
    const entry: RequestRecord = {
      tenantId: viewer.tenant.id,
      surface: 'dashboard',
      operation: declaration.operation,
      userId: viewer.user.id,
      userPrincipalName: viewer.user.userPrincipalName,
      mfaCompliant: viewer.session.mfa,
      // SPEC §12: counted apart in the figures (it stays not MFA-compliant).
      underException: req.underException === true,
      statusCode: reply.statusCode,
      ...(steppedUp ? { outcome: 'unauthorized' as const } : {}),
      correlationId: req.id,
      ipAddress: req.ip,
      occurredAt: ctx.clock.now(),
    };
    if ((await ctx.requestLog.recordBeforeAnswer(entry, req.method)) === 'send') return payload;
    return notRecorded(reply, viewer);
  });
}

/** The page instead of one whose request-log row could not be stored (an `onSend` hook returns the body). */
function notRecorded(reply: FastifyReply, viewer: Viewer): string {
  setSecurityHeaders(reply.raw);
  reply
    .code(503)
    .header('Retry-After', String(RETRY_AFTER_SECONDS))
    .removeHeader('location')
    .type('text/html; charset=utf-8');
  return dashboardPage(
    'Try again in a moment',
    html`<p>Warden could not write this request to the request log, so it does not show the page. Reload it in a few seconds. A change you sent may already have been made.</p>`,
    viewer,
  );
}

function forbidden(reply: FastifyReply, viewer: Viewer, area: AccessArea): FastifyReply {
  const allowed = ACCESS[area].map(roleLabel);
  return sendPage(
    reply,
    403,
    dashboardPage(
      'You do not have access to this page',
      html`<p data-testid="forbidden-roles">Only these roles may open this page: ${allowed.join(', ')}.</p>
<p>Ask an Admin agent or a Global admin of ${viewer.tenant.display_name} to give you one of them.</p>`,
      viewer,
    ),
  );
}

/** A page of the other kind of tenant's (AREA_TENANT_KIND): 403, with where this tenant's own pages are. */
function notThisTenant(reply: FastifyReply, viewer: Viewer, area: AccessArea): FastifyReply {
  const roles = ACCESS[area].map(roleLabel).join(', ');
  const body =
    viewer.tenant.kind === 'operator'
      ? html`<p data-testid="forbidden-tenant">This page is a partner tenant’s own (for its ${roles}). The operator sees every partner’s security on <a href="/dashboard/program/security">Program security</a> and their technical exceptions on <a href="/dashboard/program/exceptions">Exception review</a>.</p>`
      : html`<p data-testid="forbidden-tenant">This page is the program operator’s: only the operator tenant’s ${roles} may open it.</p>`;
  return sendPage(reply, 403, dashboardPage('You do not have access to this page', body, viewer));
}
