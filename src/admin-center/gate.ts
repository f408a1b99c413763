import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { redirect, sendPage } from '../dashboard/respond.ts';
import { beginSignIn, SITE_SESSION_COOKIES, type SignInDeps } from '../dashboard/sign-in.ts';
import { getTenant } from '../directory/tenants.ts';
import { getUser } from '../directory/users.ts';
import { readCookie } from '../http/cookies.ts';
import { html } from '../http/html.ts';
import { tagTenantClass } from '../metrics/tenant-class.ts';
import { safeEqual } from '../security/constant-time.ts';
import { adminReturnPath } from './return-path.ts';
import { adminPage, type Viewer } from './views/layout.ts';

/** What every admin-center page declares (STYLE 2); a route without it is refused at start. */
export interface AdminPageDeclaration {
  operation: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    adminPage?: AdminPageDeclaration;
  }
  interface FastifyRequest {
    adminViewer?: Viewer;
  }
}

/** The one role that may answer a partner's request and remove its roles (SPEC §13, reference §1.8). */
export const ADMIN_CENTER_ROLE = 'Global Administrator';

/** The viewer the gate admitted (page handlers run only after it). */
export function adminViewerOf(req: FastifyRequest): Viewer {
  if (!req.adminViewer) throw new Error('admin-center page ran without the gate');
  return req.adminViewer;
}

/**
 * THE gate of the customer admin center (SPEC §13, issue 10 item 2), on the plugin holding every
 * page, in this order: a session of the admin center's own cookie, of an enabled user of a
 * *customer* tenant (any other kind is ended and sent to sign in: fail closed); the MFA proof on
 * every page (a session without it goes back to the tenant's authority with `amr_values=mfa`,
 * before anything is shown); then the Global Administrator role, read fresh on every request
 * (403 naming who may). Forms carry the session's CSRF token.
 */
export function installAdminGate(app: FastifyInstance, deps: SignInDeps): void {
  const { ctx, sessions } = deps;
  app.addHook('onRoute', (route) => {
    if (!route.config?.adminPage)
      throw new Error(`admin-center page ${String(route.method)} ${route.url} must declare its operation`);
  });

  app.addHook('onRequest', async (req, reply) => {
    if (!req.routeOptions.config.adminPage)
      return sendPage(reply, 404, adminPage('Not found', html`<p>There is no such page.</p>`));
    const session = await sessions.find(
      readCookie(req.headers.cookie, SITE_SESSION_COOKIES.admin),
      'admin',
      ctx.clock.now(),
    );
    const [user, tenant] = session
      ? await Promise.all([
          getUser(ctx.db, session.tenantId, session.userId),
          getTenant(ctx.db, session.tenantId),
        ])
      : [undefined, undefined];
    if (!session || !user?.accountEnabled || tenant?.kind !== 'customer') {
      if (session) await sessions.end(session);
      const back = adminReturnPath(req.method === 'GET' ? req.url : undefined);
      return redirect(reply, `/admin/sign-in?return=${encodeURIComponent(back)}`);
    }
    // MFA, always: no admin-center page is shown on a session without the proof (SPEC §3).
    if (!session.mfa) {
      return beginSignIn(deps, reply, {
        tenantId: tenant.id,
        loginHint: user.userPrincipalName,
        returnTo: adminReturnPath(req.method === 'GET' ? req.url : req.url.split('?')[0]),
        stepUp: true,
        site: 'admin',
      });
    }
    req.adminViewer = { user, tenant, session };
    tagTenantClass(req.raw, tenant.kind); // issue 16 item 2: the class, never the id
    if (!user.directoryRoles.includes(ADMIN_CENTER_ROLE)) return forbidden(reply, req.adminViewer);
  });

  app.addHook('preHandler', async (req, reply) => {
    if (req.method !== 'POST') return;
    const given = (req.body as Record<string, unknown> | undefined)?.csrf;
    if (typeof given !== 'string' || !safeEqual(given, adminViewerOf(req).session.csrf)) {
      return sendPage(
        reply,
        403,
        adminPage(
          'Request refused',
          html`<p data-testid="csrf-refused">The form was not sent by this admin center. Reload the page and try again.</p>`,
          req.adminViewer,
        ),
      );
    }
  });
}

function forbidden(reply: FastifyReply, viewer: Viewer): FastifyReply {
  return sendPage(
    reply,
    403,
    adminPage(
      'You do not have access to the admin center',
      html`<p data-testid="forbidden-roles">Only a ${ADMIN_CENTER_ROLE} of ${viewer.tenant.display_name} may use the admin center: answer partners' requests and remove their roles.</p>
<p>Ask one of your organisation's Global Administrators to do it, or to give you the role.</p>`,
      viewer,
    ),
  );
}
