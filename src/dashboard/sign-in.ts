import type { FastifyInstance, FastifyReply } from 'fastify';
import type { WardenContext } from '../context.ts';
import { cookie, readCookie, secureCookies } from '../http/cookies.ts';
import { hasMfaProof } from '../policy/mfa-proof.ts';
import {
  finishSignIn,
  newPendingAuthorization,
  PENDING_TTL_MS,
  type PendingAuthorization,
  sealPending,
} from '../relying-party/pending-sign-in.ts';
import { type DashboardSessions, SESSION_TTL_MS } from '../relying-party/sessions.ts';
import { SecretBox } from '../security/secret-box.ts';
import { idTokenCookie } from './id-token-cookie.ts';
import type { DashboardRelyingParty } from './oidc-client.ts';
import { problem, redirect, sendPage } from './respond.ts';
import { type ReturnPath, returnPath } from './return-path.ts';
import { dashboardPage } from './views/layout.ts';
import { tenantOfWorkAccount, workAccountForm, workAccountOf } from './work-account.ts';

export const SESSION_COOKIE = 'warden_dashboard';
/**
 * The sites that sign in through the dashboard's relying party: Partner Center (partner and
 * operator tenants) and the customer admin center (`src/admin-center/`, customer tenants). Each
 * keeps its session in a cookie of its own, so one site never receives the other's session.
 */
export const SITE_SESSION_COOKIES = { dashboard: SESSION_COOKIE, admin: 'warden_admin' } as const;
export type SignInSite = keyof typeof SITE_SESSION_COOKIES;
const PENDING_COOKIE = 'warden_dashboard_signin';

/** A sign-in under way (relying-party/pending-sign-in.ts), and where it comes back to. */
interface PendingSignIn extends PendingAuthorization {
  returnTo: ReturnPath;
  stepUp: boolean;
  /** Which site started it: where the callback puts the session (absent: the dashboard). */
  site?: SignInSite;
}

export interface SignInDeps {
  ctx: WardenContext;
  rp: DashboardRelyingParty;
  sessions: DashboardSessions;
  /** Whether the relying party is registered (looking again when not); `rp` may be read once it is. */
  ready: () => Promise<boolean>;
}

function secure(ctx: WardenContext): boolean {
  return secureCookies(ctx.config.baseUrl);
}

function pendingBox(ctx: WardenContext): SecretBox {
  return new SecretBox(ctx.config.masterKey, 'dashboard-sign-in');
}

/**
 * Sends the browser to the tenant's authority (authorization code + PKCE). With `stepUp` the
 * request carries `amr_values=mfa`: the authority then demands MFA, or registration first (E1).
 */
export async function beginSignIn(
  deps: SignInDeps,
  reply: FastifyReply,
  input: { tenantId: string; loginHint?: string; returnTo: ReturnPath; stepUp: boolean; site?: SignInSite },
): Promise<FastifyReply> {
  const { ctx, rp } = deps;
  const pending: PendingSignIn = {
    ...newPendingAuthorization(input.tenantId, ctx.clock.now()),
    returnTo: input.returnTo,
    stepUp: input.stepUp,
    site: input.site ?? 'dashboard',
  };
  const url = await rp.authorizationUrl({
    ...pending,
    ...(input.loginHint ? { loginHint: input.loginHint } : {}),
  });
  const sealed = sealPending(pendingBox(ctx), pending);
  reply.header(
    'Set-Cookie',
    cookie(PENDING_COOKIE, sealed, { secure: secure(ctx), maxAgeS: PENDING_TTL_MS / 1000 }),
  );
  return redirect(reply, url);
}

/** Sign-in and callback of the dashboard (issue 3 item 3); sign-out is sign-out.ts. */
export function signInRoutes(app: FastifyInstance, deps: SignInDeps): void {
  const { ctx, sessions } = deps;

  // Which authority? Partner Center asks for the work account and goes to its tenant's authority.
  app.get<{ Querystring: { return?: string; email?: string } }>('/dashboard/sign-in', async (req, reply) => {
    const returnTo = returnPath(req.query.return);
    const email = workAccountOf(req.query.email);
    let error = '';
    if (email) {
      const tenant = await tenantOfWorkAccount(ctx.db, email);
      // Partner organisations, and the operator that runs the program (its administrators).
      if (tenant?.kind === 'partner' || tenant?.kind === 'operator') {
        return beginSignIn(deps, reply, { tenantId: tenant.id, loginHint: email, returnTo, stepUp: false });
      }
      error = tenant
        ? 'Partner Center is for accounts of partner organisations.'
        : 'No partner organisation uses that domain. Check the address.';
    }
    return sendPage(
      reply,
      error ? 400 : 200,
      dashboardPage(
        'Sign in to Partner Center',
        workAccountForm('/dashboard/sign-in', returnTo, email, error),
      ),
    );
  });

  app.get('/dashboard/callback', async (req, reply) => {
    const sealed = readCookie(req.headers.cookie, PENDING_COOKIE);
    const clear = cookie(PENDING_COOKIE, '', { secure: secure(ctx), maxAgeS: 0 });
    reply.header('Set-Cookie', clear);
    const finished = await finishSignIn<PendingSignIn>({
      box: pendingBox(ctx),
      sealed,
      rp: deps.rp,
      callbackUrl: new URL(req.url, ctx.config.baseUrl),
      now: ctx.clock.now(),
    });
    if (!finished.ok) {
      switch (finished.reason) {
        case 'notStartedHere':
          return problem(reply, 400, 'Sign-in expired', 'This sign-in was not started here or has expired.');
        case 'expired':
          return problem(reply, 400, 'Sign-in expired', 'This sign-in took too long.');
        case 'denied':
          return problem(reply, 403, 'Sign-in not completed', finished.description);
        case 'unverified':
          req.log.warn({ err: finished.error }, 'dashboard sign-in failed');
          return problem(
            reply,
            400,
            'Sign-in failed',
            'The sign-in response could not be verified. Start again.',
          );
      }
    }
    const { pending, user } = finished;
    // A step-up that came back without the proof would only loop: stop and say so.
    if (pending.stepUp && !hasMfaProof(user.amr)) {
      return problem(reply, 403, 'MFA not completed', 'This page needs multi-factor authentication.');
    }
    const site = pending.site ?? 'dashboard';
    const sessionCookie = SITE_SESSION_COOKIES[site];
    const previous = await sessions.find(
      readCookie(req.headers.cookie, sessionCookie),
      site,
      ctx.clock.now(),
    );
    if (previous) await sessions.end(previous);
    const { cookieValue, session } = await sessions.start({ ...user, site }, ctx.clock.now());
    reply.header('Set-Cookie', [
      clear,
      cookie(sessionCookie, cookieValue, { secure: secure(ctx), maxAgeS: SESSION_TTL_MS / 1000 }),
      // Each site's sign-out ends the authority's session with it (sign-out.ts, admin-center/sign-in.ts).
      idTokenCookie(ctx, session.idHash, user.idToken, site),
    ]);
    return redirect(reply, pending.returnTo);
  });
}
