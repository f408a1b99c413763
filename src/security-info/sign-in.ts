import type { FastifyInstance, FastifyReply } from 'fastify';
import * as oidc from 'openid-client';
import { FRESH_MFA_MS } from '../authentication-methods/manage.ts';
import type { WardenContext } from '../context.ts';
import { cookie, readCookie, secureCookies } from '../http/cookies.ts';
import { hasMfaProof } from '../policy/mfa-proof.ts';
import type { FirstPartyRelyingParty } from '../relying-party/oidc-client.ts';
import type { DashboardSessions } from '../relying-party/sessions.ts';
import { SecretBox } from '../security/secret-box.ts';
import { CALLBACK_PATH } from './client.ts';
import { messagePage, sendPage } from './page.ts';
import { SESSION_TTL_MS, sessionCookie } from './session.ts';

const PENDING_COOKIE = 'warden_security_info_signin';
const PENDING_TTL_MS = 15 * 60 * 1000;

interface PendingSignIn {
  tenantId: string;
  /** The `{tenant}` of the page's path, where the browser comes back to. */
  tenantKey: string;
  state: string;
  nonce: string;
  codeVerifier: string;
  expiresAt: number;
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
 * `max_age` of 10 minutes (OIDC Core §3.1.2.1), so a sign-in older than that is done again.
 */
export async function beginSignIn(
  deps: SignInDeps,
  reply: FastifyReply,
  tenant: { id: string; key: string },
): Promise<FastifyReply> {
  const { ctx } = deps;
  const rp = await deps.rp();
  if (!rp)
    return sendPage(reply, 503, messagePage('Not set up yet', 'This Warden has no operator tenant yet.'));
  const pending: PendingSignIn = {
    tenantId: tenant.id,
    tenantKey: tenant.key,
    state: oidc.randomState(),
    nonce: oidc.randomNonce(),
    codeVerifier: oidc.randomPKCECodeVerifier(),
    expiresAt: ctx.clock.now() + PENDING_TTL_MS,
  };
  const url = await rp.authorizationUrl({ ...pending, stepUp: true, maxAgeS: FRESH_MFA_MS / 1000 });
  reply.header(
    'Set-Cookie',
    cookie(PENDING_COOKIE, box(ctx).seal(JSON.stringify(pending), 'pending'), {
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
    let pending: PendingSignIn;
    try {
      pending = JSON.parse(box(ctx).open(readCookie(req.headers.cookie, PENDING_COOKIE) ?? '', 'pending'));
    } catch {
      return sendPage(
        reply,
        400,
        messagePage('Sign-in expired', 'This sign-in was not started here. Start again.'),
      );
    }
    const rp = await deps.rp();
    if (!rp || pending.expiresAt <= ctx.clock.now())
      return sendPage(reply, 400, messagePage('Sign-in expired', 'This sign-in took too long. Start again.'));
    const callbackUrl = new URL(req.url, ctx.config.baseUrl);
    const denied = callbackUrl.searchParams.get('error');
    if (denied)
      return sendPage(
        reply,
        403,
        messagePage('Sign-in not completed', callbackUrl.searchParams.get('error_description') ?? denied),
      );
    let user: Awaited<ReturnType<FirstPartyRelyingParty['redeem']>>;
    try {
      user = await rp.redeem({ ...pending, callbackUrl });
    } catch (error) {
      req.log.warn({ err: error }, 'security info sign-in failed');
      return sendPage(
        reply,
        400,
        messagePage('Sign-in failed', 'The sign-in could not be verified. Start again.'),
      );
    }
    // Without the MFA asked for, coming back would only loop: stop and say so.
    if (!hasMfaProof(user.amr))
      return sendPage(
        reply,
        403,
        messagePage('MFA not completed', 'Security info needs multi-factor authentication.'),
      );
    const { cookieValue } = await sessions.start(user, ctx.clock.now(), SESSION_TTL_MS);
    reply.header('Set-Cookie', [clear, sessionCookie(ctx, cookieValue)]);
    return reply
      .code(303)
      .header('Location', `/${encodeURIComponent(pending.tenantKey)}/security-info`)
      .send();
  });
}
