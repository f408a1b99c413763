import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { recordAuditEvent } from '../audit/audit-events.ts';
import { passwordPolicyProblem } from '../authentication-methods/password-policy.ts';
import { hashPassword } from '../authentication-methods/passwords.ts';
import { verifyTotp } from '../authentication-methods/totp.ts';
import { page } from '../authority-pages/layout.ts';
import type { WardenContext } from '../context.ts';
import { readCookie } from '../dashboard/cookies.ts';
import { findUserByUpn, getUser, lockUserRow, passwordHashFingerprint } from '../directory/users.ts';
import { html } from '../http/html.ts';
import { setSecurityHeaders } from '../http/security-headers.ts';
import { breachedPasswordProblem } from '../identity-protection/breached-passwords.ts';
import { endUserRisk } from '../identity-protection/risk-state.ts';
import { safeEqual } from '../security/constant-time.ts';
import { RULES, throttleKeys } from '../security/throttle.ts';
import { revokeUserSessions } from '../sessions/user-sessions.ts';

/**
 * Self-service password reset (issue 15 item 5; reference entra-identity, SSPR): `/{tenant}/sspr`.
 * The state lives in a sealed, HttpOnly, SameSite=Strict cookie (no schema change): tenant, user
 * (a random decoy id for an unknown, disabled or method-less account, which can never succeed),
 * methods proven, CSRF token, expiry (15 minutes on ctx.clock). Every account sees the same pages.
 */
const COOKIE = 'warden_sspr';
const LIFETIME_MS = 15 * 60_000;
const GENERIC = 'The code is not valid, or too many attempts were made. Check it and try again later.';

interface State {
  tenantId: string;
  userId?: string;
  upn?: string;
  real?: boolean;
  /**
   * The fingerprint of the password the account had when the reset began: the reset succeeds only
   * while it is still the account's password, so a copy of a finished reset's cookie sets nothing
   * again (security review).
   */
  passwordFingerprint?: string;
  proven: ('totp' | 'recoveryCode')[];
  csrf: string;
  expiresAt: number;
}

export function registerSelfServicePasswordResetRoutes(app: FastifyInstance, ctx: WardenContext): void {
  app.get<{ Params: { tenantId: string } }>('/:tenantId/sspr', async (req, reply) => {
    const tenant = await tenantOf(ctx, req.params.tenantId);
    if (!tenant) return send(reply, 404, page('Not found', html`<p>This page does not exist.</p>`));
    const state: State = {
      tenantId: tenant.id,
      proven: [],
      csrf: randomBytes(24).toString('base64url'),
      expiresAt: ctx.clock.now() + LIFETIME_MS,
    };
    return render(ctx, reply, req, tenant, state, 200);
  });

  app.post<{ Params: { tenantId: string }; Body: unknown }>('/:tenantId/sspr', async (req, reply) => {
    const tenant = await tenantOf(ctx, req.params.tenantId);
    if (!tenant) return send(reply, 404, page('Not found', html`<p>This page does not exist.</p>`));
    const form = fields(req.body);
    const now = ctx.clock.now();
    const state = openState(ctx, req, tenant.id, now);
    if (!state || !safeEqual(form.csrf ?? '', state.csrf)) {
      return send(reply, 403, page('Request refused', html`<p>Start the password reset again.</p>`));
    }
    if (form.action === 'username' && !state.userId) {
      const upn = (form.username ?? '').trim().toLowerCase().slice(0, 256);
      const user = upn ? await findUserByUpn(ctx.db, tenant.id, upn) : undefined;
      const usable = !!user && user.accountEnabled && !!user.passwordHash;
      state.upn = upn;
      state.userId = usable ? user.id : randomUUID();
      state.real = usable;
      if (usable) state.passwordFingerprint = passwordHashFingerprint(user.passwordHash!);
      return render(ctx, reply, req, tenant, state, 200);
    }
    if ((form.action === 'totp' || form.action === 'recoveryCode') && state.userId && state.upn) {
      const accountKey = throttleKeys.ssprAccount(state.upn);
      const ipKey = throttleKeys.ssprIp(req.ip);
      const locked =
        (await ctx.throttle.begin(tenant.id, accountKey, RULES.secondFactor, now)) ||
        (await ctx.throttle.begin(tenant.id, ipKey, RULES.passwordPerIp, now));
      const code = (form.code ?? '').trim().slice(0, 64);
      const ok =
        !locked &&
        !state.proven.includes(form.action) &&
        (form.action === 'totp'
          ? await verifyTotp(ctx.db, ctx.secrets, tenant.id, state.userId, code, now)
          : await ctx.recoveryCodes.redeem(ctx.db, tenant.id, state.userId, code, now));
      if (!ok) {
        await audit(ctx, tenant.id, state, 'failure', { method: form.action, locked: !!locked }, now);
        return render(ctx, reply, req, tenant, state, 400, GENERIC);
      }
      await ctx.throttle.succeed(tenant.id, accountKey);
      await ctx.throttle.release(tenant.id, ipKey);
      state.proven = [...state.proven, form.action];
      return render(ctx, reply, req, tenant, state, 200);
    }
    if (form.action === 'password' && state.userId && state.real) {
      const user = await getUser(ctx.db, tenant.id, state.userId);
      if (!user) return render(ctx, reply, req, tenant, state, 400, GENERIC);
      const required = await methodsRequired(ctx, tenant.id, user);
      if (state.proven.length < required) return render(ctx, reply, req, tenant, state, 400, GENERIC);
      const next = form.newPassword ?? '';
      const problem =
        next !== (form.confirmPassword ?? '')
          ? 'The two passwords do not match.'
          : (passwordPolicyProblem(next, user) ?? (await breachedPasswordProblem(ctx.db, next)));
      if (problem) return render(ctx, reply, req, tenant, state, 400, problem);
      const hash = await hashPassword(next);
      const actor = { tenantId: tenant.id, userId: user.id, appId: null, name: user.userPrincipalName };
      const reset = await ctx.db.transaction().execute(async (trx) => {
        await lockUserRow(trx, ctx.dbKind, tenant.id, user.id);
        // Read again under the lock: an account disabled, or whose password changed (another
        // reset, an administrator's), since the reset began is refused (security review).
        const current = await getUser(trx, tenant.id, user.id);
        if (
          !current?.accountEnabled ||
          !current.passwordHash ||
          passwordHashFingerprint(current.passwordHash) !== state.passwordFingerprint
        )
          return false;
        await trx
          .updateTable('users')
          .set({ password_hash: hash, password_change_required: 0 })
          .where('tenant_id', '=', tenant.id)
          .where('id', '=', user.id)
          .execute();
        await revokeUserSessions(trx, tenant.id, user.id);
        await endUserRisk(
          trx,
          { tenantId: tenant.id, userId: user.id, userPrincipalName: user.userPrincipalName },
          { state: 'remediated', detail: 'userPerformedSecuredPasswordReset' },
          actor,
          now,
        );
        await recordAuditEvent(
          trx,
          [tenant.id],
          {
            category: 'UserManagement',
            activity: 'Self-service password reset',
            actor,
            target: { type: 'user', id: user.id, name: user.userPrincipalName },
            details: { result: 'success', methods: state.proven, sessionsRevoked: true },
          },
          now,
        );
        return true;
      });
      if (!reset) return render(ctx, reply, req, tenant, state, 400, GENERIC);
      reply.header('Set-Cookie', cookie(ctx, tenant.id, '', 0));
      return send(
        reply,
        200,
        page('Password reset', html`<p>Your password was changed. Sign in with the new one.</p>`, {
          tenantName: tenant.display_name,
          step: 'sspr_done',
        }),
      );
    }
    // An unknown account reaches the password step like any other, and is refused there alike.
    if (form.action === 'password') return render(ctx, reply, req, tenant, state, 400, GENERIC);
    return send(reply, 403, page('Request refused', html`<p>Start the password reset again.</p>`));
  });
}

async function tenantOf(ctx: WardenContext, key: string) {
  const entry = await ctx.authorities.forTenant(key);
  return entry?.tenant;
}

/**
 * How many different methods the reset needs: the tenant's setting (1 or 2, default 2), and always
 * 2 for a holder of a directory role (Entra's administrator SSPR policy: two gates, whatever the
 * tenant allows its users).
 */
async function methodsRequired(
  ctx: WardenContext,
  tenantId: string,
  user?: { directoryRoles: readonly string[] },
): Promise<number> {
  if (user && user.directoryRoles.length > 0) return 2;
  const row = await ctx.db
    .selectFrom('authentication_methods_policy')
    .select('sspr_methods_required')
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst();
  return Math.max(1, Math.min(2, row?.sspr_methods_required ?? 2));
}

async function audit(
  ctx: WardenContext,
  tenantId: string,
  state: State,
  result: string,
  details: Record<string, unknown>,
  now: number,
): Promise<void> {
  await recordAuditEvent(
    ctx.db,
    [tenantId],
    {
      category: 'UserManagement',
      activity: 'Self-service password reset',
      actor: { tenantId, userId: null, appId: null, name: state.upn ?? 'unknown' },
      target: { type: 'user', id: state.userId ?? 'unknown', name: state.upn ?? null },
      details: { result, ...details },
    },
    now,
  );
}

function openState(
  ctx: WardenContext,
  req: FastifyRequest,
  tenantId: string,
  now: number,
): State | undefined {
  const sealed = readCookie(req.headers.cookie, COOKIE);
  if (!sealed) return undefined;
  try {
    const state = JSON.parse(ctx.secrets.open(sealed, `sspr:${tenantId}`)) as State;
    return state.tenantId === tenantId && state.expiresAt > now ? state : undefined;
  } catch {
    return undefined;
  }
}

function cookie(ctx: WardenContext, tenantId: string, value: string, maxAgeS: number): string {
  return [
    `${COOKIE}=${value}`,
    `Path=/${encodeURIComponent(tenantId)}/sspr`,
    'HttpOnly',
    'SameSite=Strict',
    ...(ctx.config.baseUrl.startsWith('https:') ? ['Secure'] : []),
    `Max-Age=${maxAgeS}`,
  ].join('; ');
}

async function render(
  ctx: WardenContext,
  reply: FastifyReply,
  req: FastifyRequest<{ Params: { tenantId: string } }>,
  tenant: { id: string; display_name: string },
  state: State,
  status: number,
  error?: string,
): Promise<FastifyReply> {
  reply.header(
    'Set-Cookie',
    cookie(ctx, tenant.id, ctx.secrets.seal(JSON.stringify(state), `sspr:${tenant.id}`), LIFETIME_MS / 1000),
  );
  const action = `/${encodeURIComponent(req.params.tenantId)}/sspr`;
  const alert = error ? html`<p class="error" role="alert">${error}</p>` : html``;
  const hidden = (a: string) =>
    html`<input type="hidden" name="csrf" value="${state.csrf}"><input type="hidden" name="action" value="${a}">`;
  const options = { tenantName: tenant.display_name };
  if (!state.userId) {
    return send(
      reply,
      status,
      page(
        'Reset your password',
        html`${alert}<form method="post" action="${action}" novalidate>${hidden('username')}
<label for="username">Email or username</label>
<input id="username" name="username" type="email" autocomplete="username" required autofocus>
<button type="submit">Next</button></form>`,
        { ...options, step: 'sspr_username' },
      ),
    );
  }
  const user = state.real && state.userId ? await getUser(ctx.db, tenant.id, state.userId) : undefined;
  const required = await methodsRequired(ctx, tenant.id, user);
  if (state.proven.length < required) {
    const left = (['totp', 'recoveryCode'] as const).filter((m) => !state.proven.includes(m));
    const label = { totp: 'Authenticator app code', recoveryCode: 'Recovery code' };
    return send(
      reply,
      status,
      page(
        'Verify your identity',
        html`<p>Resetting the password of <strong>${state.upn ?? ''}</strong>. Prove ${String(required - state.proven.length)} more method(s).</p>${alert}
${left.map(
  (m) => html`<form method="post" action="${action}" novalidate>${hidden(m)}
<label for="${m}">${label[m]}</label>
<input id="${m}" name="code" autocomplete="one-time-code" required>
<button type="submit">Verify</button></form>`,
)}`,
        { ...options, step: 'sspr_verify' },
      ),
    );
  }
  return send(
    reply,
    status,
    page(
      'Choose a new password',
      html`${alert}<form method="post" action="${action}" novalidate>${hidden('password')}
<label for="new-password">New password</label>
<input id="new-password" name="newPassword" type="password" autocomplete="new-password" required>
<label for="confirm-password">Confirm new password</label>
<input id="confirm-password" name="confirmPassword" type="password" autocomplete="new-password" required>
<button type="submit">Reset password</button></form>`,
      { ...options, step: 'sspr_password' },
    ),
  );
}

function send(reply: FastifyReply, status: number, body: string): FastifyReply {
  setSecurityHeaders(reply.raw);
  return reply.code(status).type('text/html; charset=utf-8').send(body);
}

function fields(body: unknown): Record<string, string> {
  if (typeof body !== 'object' || body === null) return {};
  return Object.fromEntries(
    Object.entries(body).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}
