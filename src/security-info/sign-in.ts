import type { FastifyInstance, FastifyReply } from 'fastify';
import { FRESH_MFA_MS } from '../authentication-methods/manage.ts';
import type { WardenContext } from '../context.ts';
import { cookie, readCookie, secureCookies } from '../http/cookies.ts';
import { hasMfaProof } from '../policy/mfa-proof.ts';
import type { FirstPartyRelyingParty } from '../relying-party/oidc-client.ts';
import {
  finishSignIn,
  newPendingAuthorization,
  PENDING_TTL_MS,
  type PendingAuthorization,
  sealPending,
} from '../relying-party/pending-sign-in.ts';
import type { DashboardSessions } from '../relying-party/sessions.ts';
import { SecretBox } from '../security/secret-box.ts';
import { CALLBACK_PATH } from './client.ts';
import { messagePage, sendPage } from './page.ts';
import { SESSION_TTL_MS, sessionCookie } from './session.ts';

const PENDING_COOKIE = 'warden_security_info_signin';

interface PendingSignIn extends PendingAuthorization {
  /** The `{tenant}` of the page's path, where the browser comes back to. */
  tenantKey: string;
}

export interface SignInDeps {
  ctx: WardenContext;
  rp: () => Promise<FirstPartyRelyingParty | undefined>;
  sessions: DashboardSessions;
}

function box(ctx: WardenContext): SecretBox {
  return new SecretBox(ctx.config.masterKey, 'security-info-sign-in');
}

/**
 * Sends the browser through the tenant's authority for a fresh MFA: `amr_values=mfa` and
 * `max_age` of 10 minutes unless told (5 to add a passkey; OIDC Core §3.1.2.1), so a sign-in
 * older than that is done again.
 */
export async function beginSignIn(
  deps: SignInDeps,
  reply: FastifyReply,
  tenant: { id: string; key: string },
  maxAgeMs = FRESH_MFA_MS,
): Promise<FastifyReply> {
  const { ctx } = deps;
  const rp = await deps.rp();
  if (!rp)
    return sendPage(reply, 503, messagePage('Not set up yet', 'This Warden has no operator tenant yet.'));
  const pending: PendingSignIn = {
    ...newPendingAuthorization(tenant.id, ctx.clock.now()),
    tenantKey: tenant.key,
  };
  const url = await rp.authorizationUrl({ ...pending, stepUp: true, maxAgeS: maxAgeMs / 1000 });
  reply.header(
    'Set-Cookie',
    cookie(PENDING_COOKIE, sealPending(box(ctx), pending), {
      secure: secureCookies(ctx.config.baseUrl),
      maxAgeS: PENDING_TTL_MS / 1000,
      path: CALLBACK_PATH,
    }),
  );
  return reply.code(303).header('Location', url).send();
}

/** The callback: the verified ID token starts a Security info session (a new id every time). */
export function signInRoutes(app: FastifyInstance, deps: SignInDeps): void {
  const { ctx, sessions } = deps;
  app.get(CALLBACK_PATH, async (req, reply) => {
    const clear = cookie(PENDING_COOKIE, '', {
      secure: secureCookies(ctx.config.baseUrl),
      maxAgeS: 0,
      path: CALLBACK_PATH,
    });
    reply.header('Set-Cookie', clear);
    const rp = await deps.rp();
    if (!rp)
      return sendPage(reply, 503, messagePage('Not set up yet', 'This Warden has no operator tenant yet.'));
    const finished = await finishSignIn<PendingSignIn>({
      box: box(ctx),
      sealed: readCookie(req.headers.cookie, PENDING_COOKIE),
      rp,
      callbackUrl: new URL(req.url, ctx.config.baseUrl),
      now: ctx.clock.now(),
    });
    if (!finished.ok) {
      if (finished.reason === 'denied')
        return sendPage(reply, 403, messagePage('Sign-in not completed', finished.description));
      if (finished.reason === 'unverified')
        req.log.warn({ err: finished.error }, 'security info sign-in failed');
      return sendPage(
        reply,
        400,
        messagePage('Sign-in not completed', 'This sign-in could not be finished. Start again.'),
      );
    }
    const { pending, user } = finished;
    // Without the MFA asked for, coming back would only loop: stop and say so.
    if (!hasMfaProof(user.amr))
      return sendPage(
        reply,
        403,
        messagePage('MFA not completed', 'Security info needs multi-factor authentication.'),
      );
    const { cookieValue } = await sessions.start(
      { ...user, site: 'security-info' },
      ctx.clock.now(),
      SESSION_TTL_MS,
    );
    reply.header('Set-Cookie', [clear, sessionCookie(ctx, cookieValue)]);
    return reply
      .code(303)
      .header('Location', `/${encodeURIComponent(pending.tenantKey)}/security-info`)
      .send();
  });
}
