import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { methodsOf } from '../authentication-methods/methods.ts';
import type { WardenContext } from '../context.ts';
import { findTenant, type Tenant } from '../directory/tenants.ts';
import { getUser, type User } from '../directory/users.ts';
import { SECURITY_INFO_ERRORS } from '../errors/security-info-errors.ts';
import { formFields } from '../http/form-fields.ts';
import { type DashboardSession, DashboardSessions } from '../relying-party/sessions.ts';
import { safeEqual } from '../security/constant-time.ts';
import { resetReadiness } from '../self-service-password-reset/readiness.ts';
import { runAction } from './actions.ts';
import { securityInfoRelyingParty } from './client.ts';
import {
  addAppPage,
  confirmRemovalPage,
  messagePage,
  type PageNotes,
  type SecurityInfoView,
  securityInfoPage,
  sendPage,
} from './page.ts';
import { addPasskeyCeremony } from './passkeys.ts';
import { recentSignIns } from './recent-sign-ins.ts';
import { FRESH_MFA_PASSKEY_MS, isFresh, SESSION_TTL_MS, sessionCookie, sessionOf } from './session.ts';
import { beginSignIn, type SignInDeps, signInRoutes } from './sign-in.ts';

/**
 * The Security info page (issue 15 item 3; the role of mysignins' Security info) at
 * `/{tenant}/security-info`, for every user of the tenant's authority. It is a first-party relying
 * party of that authority (client.ts, sign-in.ts); the page and every change need a fresh MFA
 * (session.ts), otherwise the browser goes through the authority again. Every form carries the
 * session's CSRF token and is refused from another origin; every change is audited (actions.ts).
 */
export function registerSecurityInfoRoutes(app: FastifyInstance, ctx: WardenContext): void {
  const deps: SignInDeps = {
    ctx,
    rp: securityInfoRelyingParty(ctx),
    sessions: new DashboardSessions(ctx.db),
  };
  signInRoutes(app, deps);

  /** The tenant, the signed-in user and the session, or the reply already sent (sign-in, 404). */
  async function signedIn(
    req: FastifyRequest<{ Params: { tenantId: string } }>,
    reply: FastifyReply,
  ): Promise<{ tenant: Tenant; user: User; session: DashboardSession } | FastifyReply> {
    // Read afresh, and no authority is built for it (issue 16 item 3): the page is its relying party.
    const tenant = await findTenant(ctx.db, req.params.tenantId);
    if (!tenant) return sendPage(reply, 404, messagePage('Not found', 'This page does not exist.'));
    const session = await sessionOf(ctx, deps.sessions, req, tenant.id);
    const user = session && (await getUser(ctx.db, tenant.id, session.userId));
    if (!session || !user?.accountEnabled || !isFresh(session, ctx.clock.now()))
      return beginSignIn(deps, reply, { id: tenant.id, key: req.params.tenantId });
    return { tenant, user, session };
  }

  async function viewOf(
    key: string,
    tenant: Tenant,
    user: User,
    session: DashboardSession,
  ): Promise<SecurityInfoView> {
    const [methods, signIns, passkey, reset] = await Promise.all([
      methodsOf(ctx.db, tenant.id, user.id),
      recentSignIns(ctx.db, tenant.id, user.id, ctx.clock.now()),
      // Reference §3.4: a passkey only within 5 minutes of the MFA; no challenge is issued past it.
      isFresh(session, ctx.clock.now(), FRESH_MFA_PASSKEY_MS)
        ? addPasskeyCeremony(ctx, tenant, user, session)
        : undefined,
      resetReadiness(ctx.db, user),
    ]);
    return {
      tenantName: tenant.display_name,
      action: `/${encodeURIComponent(key)}/security-info`,
      csrf: session.csrf,
      user,
      methods,
      signIns,
      passkey,
      reset,
    };
  }

  app.get<{ Params: { tenantId: string } }>('/:tenantId/security-info', async (req, reply) => {
    const found = await signedIn(req, reply);
    if (!('session' in found)) return found;
    const view = await viewOf(req.params.tenantId, found.tenant, found.user, found.session);
    return sendPage(reply, 200, securityInfoPage(view));
  });

  app.post<{ Params: { tenantId: string }; Body: unknown }>(
    '/:tenantId/security-info',
    async (req, reply) => {
      const form = formFields(req.body);
      // Another origin's POST is refused before anything is read (Origin: RFC 6454 §7; Fetch Metadata).
      const origin = req.headers.origin;
      const site = req.headers['sec-fetch-site'];
      if (
        (origin !== undefined && origin !== new URL(ctx.config.baseUrl).origin) ||
        (site !== undefined && site !== 'same-origin')
      )
        return refuse(reply);
      const found = await signedIn(req, reply);
      if (!('session' in found)) return found;
      const { tenant, user, session } = found;
      if (!safeEqual(form.csrf ?? '', session.csrf)) return refuse(reply);
      const outcome = await runAction({ ctx, tenant, user, session, form });
      const view = async () =>
        viewOf(req.params.tenantId, tenant, (await getUser(ctx.db, tenant.id, user.id)) ?? user, session);
      switch (outcome.kind) {
        case 'signInAgain':
          return beginSignIn(deps, reply, { id: tenant.id, key: req.params.tenantId }, outcome.maxAgeMs);
        case 'addApp':
          return sendPage(reply, outcome.status, addAppPage(await view(), outcome.setup, outcome.error));
        case 'confirmRemoval': {
          const v = await view();
          const method = v.methods.passkeys.find((m) => m.id === outcome.methodId);
          return sendPage(
            reply,
            409,
            confirmRemovalPage(v, { id: outcome.methodId, displayName: method?.displayName ?? '' }),
          );
        }
        case 'passwordChanged': {
          // Every session of the user ended, this one too: this browser goes on in a new one.
          const { cookieValue, session: next } = await deps.sessions.start(
            {
              site: 'security-info',
              tenantId: tenant.id,
              userId: user.id,
              amr: session.amr,
              authTime: session.authTime,
            },
            ctx.clock.now(),
            SESSION_TTL_MS,
          );
          reply.header('Set-Cookie', sessionCookie(ctx, cookieValue));
          const notes: PageNotes = { notice: 'Password changed. You were signed out everywhere else.' };
          const v = await viewOf(req.params.tenantId, tenant, user, next);
          return sendPage(reply, 200, securityInfoPage(v, notes));
        }
        default:
          return sendPage(reply, outcome.status, securityInfoPage(await view(), outcome.notes));
      }
    },
  );
}

function refuse(reply: FastifyReply): FastifyReply {
  return sendPage(
    reply,
    403,
    messagePage('Request refused', SECURITY_INFO_ERRORS.csrf_refused.description, 'csrf_refused'),
  );
}
