import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WardenContext } from '../context.ts';
import { ACTIVATION_ERRORS, type ActivationErrorCode } from '../errors/onboarding-errors.ts';
import { cookie, readCookie, secureCookies } from '../http/cookies.ts';
import { formFields } from '../http/form-fields.ts';
import { setSecurityHeaders } from '../http/security-headers.ts';
import { safeEqual } from '../security/constant-time.ts';
import { issuerOf } from '../tokens/authority-urls.ts';
import { activate, type Opened, openActivation } from './activation.ts';
import { activatedPage, activationErrorPage, activationFormPage } from './views/activation-pages.ts';

/** Double-submit CSRF token of the activation form (the page has no session to hold one). */
const CSRF_COOKIE = 'warden_activation';

const TITLES: Record<ActivationErrorCode, string> = {
  link_invalid: 'Link not valid',
  link_expired: 'Link expired',
  link_used: 'Link already used',
  password_rejected: 'Activate your account',
  passwords_differ: 'Activate your account',
  form_refused: 'Request refused',
  throttled: 'Try again later',
};

interface Params {
  token: string;
}

/**
 * The activation page of a new administrator (warden init, warden tenants create):
 * `GET /activate/{token}` shows the form, `POST` sets the first password and shows, once, the
 * Temporary Access Pass the first sign-in needs to register a method (Global Administrator under
 * security defaults: MFA at every sign-in, no skipping), with the way on to sign in. The GET never consumes the link, so a
 * mail scanner that fetches it does no harm.
 */
export function registerActivationRoutes(app: FastifyInstance, ctx: WardenContext): void {
  app.get<{ Params: Params }>('/activate/:token', async (req, reply) => {
    const opened = await openActivation(ctx, req.params.token, req.ip, ctx.clock.now());
    if (!opened.ok) return sendError(reply, opened.code, opened.retryAt, ctx.clock.now());
    // Kept across reloads and tabs, so an earlier copy of the form still posts.
    const kept = readCookie(req.headers.cookie, CSRF_COOKIE);
    const csrf = kept && /^[A-Za-z0-9_-]{32}$/.test(kept) ? kept : randomBytes(24).toString('base64url');
    reply.header('Set-Cookie', csrfCookie(ctx, csrf, 3600));
    return sendForm(reply, 200, req, opened, csrf);
  });

  app.post<{ Params: Params; Body: unknown }>('/activate/:token', async (req, reply) => {
    const form = formFields(req.body);
    const cookieToken = readCookie(req.headers.cookie, CSRF_COOKIE) ?? '';
    const origin = req.headers.origin;
    // A form from another origin, or without this page's token, is refused before anything else.
    // `Origin: null` says nothing (browsers send it under this page's Referrer-Policy: no-referrer).
    if (
      (origin !== undefined && origin !== 'null' && origin !== new URL(ctx.config.baseUrl).origin) ||
      !cookieToken ||
      !safeEqual(form.csrf ?? '', cookieToken)
    ) {
      return sendError(reply, 'form_refused');
    }
    const now = ctx.clock.now();
    const opened = await openActivation(ctx, req.params.token, req.ip, now);
    if (!opened.ok) return sendError(reply, opened.code, opened.retryAt, now);
    const result = await activate(
      ctx,
      opened,
      { password: form.password ?? '', confirmPassword: form.confirmPassword ?? '' },
      now,
    );
    if (!result.ok) {
      if (result.code === 'password_rejected' || result.code === 'passwords_differ') {
        const message = result.message ?? ACTIVATION_ERRORS[result.code].description;
        return sendForm(reply, ACTIVATION_ERRORS[result.code].status, req, opened, cookieToken, {
          code: result.code,
          message,
        });
      }
      return sendError(reply, result.code);
    }
    reply.header('Set-Cookie', csrfCookie(ctx, '', 0));
    const { tenant, user } = opened;
    // The pass is in this response only (security headers: Cache-Control no-store), never in a URL or a log.
    setSecurityHeaders(reply.raw);
    return reply
      .code(200)
      .type('text/html; charset=utf-8')
      .send(
        activatedPage({
          tenantName: tenant.display_name,
          upn: user.userPrincipalName,
          domain: tenant.domain,
          issuer: issuerOf(ctx.config.baseUrl, tenant.id),
          temporaryAccessPass: result.temporaryAccessPass,
          passExpiresAt: result.passExpiresAt,
          // Operator and partner administrators go on to the dashboard: its sign-in goes to their
          // tenant's authority with the account filled in (login_hint).
          continueTo:
            tenant.kind === 'customer'
              ? undefined
              : `/dashboard/sign-in?email=${encodeURIComponent(user.userPrincipalName)}`,
        }),
      );
  });
}

function sendForm(
  reply: FastifyReply,
  status: number,
  req: FastifyRequest<{ Params: Params }>,
  opened: Extract<Opened, { ok: true }>,
  csrf: string,
  error?: { code: string; message: string },
): FastifyReply {
  setSecurityHeaders(reply.raw);
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .send(
      activationFormPage({
        action: `/activate/${encodeURIComponent(req.params.token)}`,
        csrf,
        tenantName: opened.tenant.display_name,
        upn: opened.user.userPrincipalName,
        expiresAt: opened.link.expires_at,
        error,
      }),
    );
}

function sendError(
  reply: FastifyReply,
  code: ActivationErrorCode,
  retryAt?: number,
  now?: number,
): FastifyReply {
  setSecurityHeaders(reply.raw);
  if (retryAt !== undefined && now !== undefined) {
    reply.header('Retry-After', String(Math.max(1, Math.ceil((retryAt - now) / 1000))));
  }
  const { status, description } = ACTIVATION_ERRORS[code];
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .send(activationErrorPage({ code, title: TITLES[code], message: description }));
}

function csrfCookie(ctx: WardenContext, value: string, maxAgeS: number): string {
  return cookie(CSRF_COOKIE, value, {
    path: '/activate',
    sameSite: 'Strict',
    secure: secureCookies(ctx.config.baseUrl),
    maxAgeS,
  });
}
