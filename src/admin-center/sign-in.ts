import type { FastifyInstance } from 'fastify';
import { clearIdTokenCookie, readIdToken } from '../dashboard/id-token-cookie.ts';
import { redirect, sendPage } from '../dashboard/respond.ts';
import { beginSignIn, SITE_SESSION_COOKIES, type SignInDeps } from '../dashboard/sign-in.ts';
import { tenantOfWorkAccount, workAccountForm, workAccountOf } from '../dashboard/work-account.ts';
import { cookie, readCookie, secureCookies } from '../http/cookies.ts';
import { html } from '../http/html.ts';
import { safeEqual } from '../security/constant-time.ts';
import { adminReturnPath } from './return-path.ts';
import { adminPage } from './views/layout.ts';

const SIGNED_OUT = '/admin/signed-out';

/**
 * Sign-in to the customer admin center: the work account names the customer's tenant, and the
 * browser goes to *that tenant's* authority through the dashboard's relying party, always asking
 * for MFA (`amr_values=mfa`); the callback (/dashboard/callback) puts the session into the admin
 * center's own cookie and comes back to the page asked for (an approval link, for one).
 */
export function adminSignInRoutes(app: FastifyInstance, deps: SignInDeps): void {
  const { ctx, sessions } = deps;

  app.get<{ Querystring: { return?: string; email?: string } }>('/admin/sign-in', async (req, reply) => {
    const returnTo = adminReturnPath(req.query.return);
    const email = workAccountOf(req.query.email);
    let error = '';
    if (email) {
      const tenant = await tenantOfWorkAccount(ctx.db, email);
      if (tenant?.kind === 'customer') {
        return beginSignIn(deps, reply, {
          tenantId: tenant.id,
          loginHint: email,
          returnTo,
          stepUp: true,
          site: 'admin',
        });
      }
      error = tenant
        ? 'The admin center is for accounts of customer organisations. Partners use Partner Center.'
        : 'No organisation uses that domain. Check the address.';
    }
    return sendPage(
      reply,
      error ? 400 : 200,
      adminPage('Sign in to the admin center', workAccountForm('/admin/sign-in', returnTo, email, error)),
    );
  });

  // Ends the admin center's session and then the customer authority's (OpenID Connect
  // RP-Initiated Logout 1.0, like Partner Center's sign-out): a Global Administrator who signs out
  // of a shared browser leaves no session from which the next person gets in without the password.
  app.post<{ Body: Record<string, unknown> }>('/admin/sign-out', async (req, reply) => {
    const session = await sessions.find(
      readCookie(req.headers.cookie, SITE_SESSION_COOKIES.admin),
      'admin',
      ctx.clock.now(),
    );
    const csrf = typeof req.body?.csrf === 'string' ? req.body.csrf : '';
    if (session && !safeEqual(csrf, session.csrf)) {
      return sendPage(
        reply,
        403,
        adminPage('Request refused', html`<p>The form was not sent by this admin center.</p>`),
      );
    }
    reply.header('Set-Cookie', [
      cookie(SITE_SESSION_COOKIES.admin, '', { secure: secureCookies(ctx.config.baseUrl), maxAgeS: 0 }),
      clearIdTokenCookie(ctx, 'admin'),
    ]);
    if (!session) return redirect(reply, SIGNED_OUT);
    const idToken = readIdToken(ctx, req.headers.cookie, session.idHash, 'admin');
    await sessions.end(session);
    let endSession: string;
    try {
      endSession = await deps.rp.endSessionUrl({ tenantId: session.tenantId, idToken, site: 'admin' });
    } catch (error) {
      req.log.warn({ err: error }, 'admin-center sign-out could not reach the authority');
      return sendPage(
        reply,
        502,
        adminPage(
          'Sign-out not completed',
          html`<p role="alert">You are signed out of the admin center, but the sign-in service could not be reached. Close the browser to end your sign-in there.</p>`,
        ),
      );
    }
    return redirect(reply, endSession);
  });

  app.get(SIGNED_OUT, (_req, reply) =>
    sendPage(
      reply,
      200,
      adminPage(
        'Signed out',
        html`<p data-step="signed_out" role="status">You are signed out of the admin center.</p>
<p><a href="/admin">Sign in again</a></p>`,
      ),
    ),
  );
}
