import type { FastifyInstance } from 'fastify';
import { cookie, readCookie, secureCookies } from '../http/cookies.ts';
import { html } from '../http/html.ts';
import { safeEqual } from '../security/constant-time.ts';
import { clearIdTokenCookie, readIdToken, SIGN_OUT_PATH } from './id-token-cookie.ts';
import { problem, redirect, sendPage } from './respond.ts';
import { SESSION_COOKIE, type SignInDeps } from './sign-in.ts';
import { dashboardPage } from './views/layout.ts';

export const SIGNED_OUT_PATH = '/dashboard/signed-out';

function signedOutPage(): string {
  return dashboardPage(
    'Signed out',
    html`<p data-step="signed_out" role="status">You are signed out of Partner Center.</p>
<p><a href="/dashboard">Sign in again</a></p>`,
  );
}

/**
 * Sign-out ends both sessions (issue 9 item 7): the dashboard's, then the authority's, by
 * OpenID Connect RP-Initiated Logout 1.0 with the session's ID token as `id_token_hint`; the
 * authority asks the user to confirm and sends the browser to the signed-out page (§3). Signing
 * in afterwards asks for the password again.
 */
export function signOutRoutes(app: FastifyInstance, deps: SignInDeps): void {
  const { ctx, sessions } = deps; // deps.rp is read per request: the client may be registered after start

  app.post<{ Body: Record<string, unknown> }>(SIGN_OUT_PATH, async (req, reply) => {
    const session = await sessions.find(
      readCookie(req.headers.cookie, SESSION_COOKIE),
      'dashboard',
      ctx.clock.now(),
    );
    const csrf = typeof req.body?.csrf === 'string' ? req.body.csrf : '';
    if (session && !safeEqual(csrf, session.csrf)) {
      return problem(reply, 403, 'Request refused', 'The form was not sent by this dashboard.');
    }
    reply.header('Set-Cookie', [
      cookie(SESSION_COOKIE, '', { secure: secureCookies(ctx.config.baseUrl), maxAgeS: 0 }),
      clearIdTokenCookie(ctx),
    ]);
    if (!session) return sendPage(reply, 200, signedOutPage());
    const idToken = readIdToken(ctx, req.headers.cookie, session.idHash);
    await sessions.end(session);
    let endSession: string;
    try {
      endSession = await deps.rp.endSessionUrl({ tenantId: session.tenantId, idToken });
    } catch (error) {
      req.log.warn({ err: error }, 'dashboard sign-out could not reach the authority');
      return problem(
        reply,
        502,
        'Sign-out not completed',
        'You are signed out of Partner Center, but the sign-in service could not be reached. Close the browser to end your sign-in there.',
      );
    }
    return redirect(reply, endSession);
  });

  app.get(SIGNED_OUT_PATH, (_req, reply) => sendPage(reply, 200, signedOutPage()));
}
