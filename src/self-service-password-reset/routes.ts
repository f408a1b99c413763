import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { recordAuditEvent } from '../audit/audit-events.ts';
import { passwordPolicyProblem } from '../authentication-methods/password-policy.ts';
import { hashPassword } from '../authentication-methods/passwords.ts';
import { verifyTotp } from '../authentication-methods/totp.ts';
import { page } from '../authority-pages/layout.ts';
import type { WardenContext } from '../context.ts';
import { findTenant } from '../directory/tenants.ts';
import { findUserByUpn, getUser, passwordHashFingerprint } from '../directory/users.ts';
import { formFields } from '../http/form-fields.ts';
import { html } from '../http/html.ts';
import { breachedPasswordProblem } from '../identity-protection/breached-passwords.ts';
import { safeEqual } from '../security/constant-time.ts';
import { PLATFORM_SCOPE, RULES, throttleKeys } from '../security/throttle.ts';
import { completeSelfServiceReset } from './complete-reset.ts';
import { methodsRequired } from './methods-required.ts';
import { GENERIC, sendHtml, sendResetPage } from './pages.ts';
import { newResetState, openResetState, type ResetState, resetStateCookie } from './state.ts';

/**
 * Self-service password reset (issue 15 item 5; reference entra-identity, SSPR): `/{tenant}/sspr`.
 * username → the methods the reset needs (methods-required.ts), each proven once → a new password
 * (complete-reset.ts). Every account sees the same pages (an unknown, disabled or password-less
 * one is given a decoy id and can never succeed); every code is throttled per account and per
 * source address, and every failure is audited.
 */
export function registerSelfServicePasswordResetRoutes(app: FastifyInstance, ctx: WardenContext): void {
  app.get<{ Params: { tenantId: string } }>('/:tenantId/sspr', async (req, reply) => {
    const tenant = await tenantOf(ctx, req.params.tenantId);
    if (!tenant) return notFound(reply);
    return sendResetPage(
      ctx,
      reply,
      req.params.tenantId,
      tenant,
      newResetState(tenant.id, ctx.clock.now()),
      200,
    );
  });

  app.post<{ Params: { tenantId: string }; Body: unknown }>('/:tenantId/sspr', async (req, reply) => {
    const tenant = await tenantOf(ctx, req.params.tenantId);
    if (!tenant) return notFound(reply);
    const form = formFields(req.body);
    const now = ctx.clock.now();
    const state = openResetState(ctx, req, tenant.id, now);
    if (!state || !safeEqual(form.csrf ?? '', state.csrf)) return startAgain(reply);
    const answer = (s: ResetState, status: number, error?: string) =>
      sendResetPage(ctx, reply, req.params.tenantId, tenant, s, status, error);

    if (form.action === 'username' && !state.userId) {
      const upn = (form.username ?? '').trim().toLowerCase().slice(0, 256);
      const user = upn ? await findUserByUpn(ctx.db, tenant.id, upn) : undefined;
      const usable = user?.accountEnabled && user.passwordHash ? user : undefined;
      state.upn = upn;
      state.userId = usable ? usable.id : randomUUID();
      if (usable?.passwordHash) state.passwordFingerprint = passwordHashFingerprint(usable.passwordHash);
      return answer(state, 200);
    }

    if ((form.action === 'totp' || form.action === 'recoveryCode') && state.userId && state.upn) {
      const accountKey = accountThrottleKey(state);
      const ipKey = throttleKeys.ssprIp(req.ip);
      const locked =
        (await ctx.throttle.begin(tenant.id, accountKey, RULES.secondFactor, now)) ||
        (await ctx.throttle.begin(PLATFORM_SCOPE, ipKey, RULES.passwordPerIp, now));
      const code = (form.code ?? '').trim().slice(0, 64);
      const ok =
        !locked &&
        !state.proven.includes(form.action) &&
        (form.action === 'totp'
          ? await verifyTotp(ctx.db, ctx.secrets, tenant.id, state.userId, code, now)
          : await ctx.recoveryCodes.redeem(ctx.db, tenant.id, state.userId, code, now));
      if (!ok) {
        await auditFailure(ctx, tenant.id, state, { method: form.action, locked: !!locked }, now);
        return answer(state, 400, GENERIC);
      }
      // A proof gives back only its own slot: the failures before it still count, so one leaked
      // recovery code does not buy fresh guesses at the authenticator code (security review).
      await ctx.throttle.release(tenant.id, accountKey);
      await ctx.throttle.release(PLATFORM_SCOPE, ipKey);
      state.proven = [...state.proven, form.action];
      return answer(state, 200);
    }

    if (form.action === 'password' && state.userId) {
      // An unknown account reaches the password step like any other, and is refused there alike.
      const user = state.passwordFingerprint ? await getUser(ctx.db, tenant.id, state.userId) : undefined;
      if (!user || !state.passwordFingerprint) return answer(state, 400, GENERIC);
      if (state.proven.length < (await methodsRequired(ctx.db, tenant.id, user)))
        return answer(state, 400, GENERIC);
      const next = form.newPassword ?? '';
      const problem =
        next !== (form.confirmPassword ?? '')
          ? 'The two passwords do not match.'
          : (passwordPolicyProblem(next, user) ?? (await breachedPasswordProblem(ctx.db, next)));
      if (problem) return answer(state, 400, problem);
      const reset = await completeSelfServiceReset(
        ctx,
        user,
        {
          passwordHash: await hashPassword(next),
          passwordFingerprint: state.passwordFingerprint,
          methods: state.proven,
        },
        now,
      );
      if (!reset) return answer(state, 400, GENERIC);
      await ctx.throttle.succeed(tenant.id, accountThrottleKey(state));
      reply.header('Set-Cookie', resetStateCookie(ctx, tenant.id));
      return sendHtml(
        reply,
        200,
        page('Password reset', html`<p>Your password was changed. Sign in with the new one.</p>`, {
          tenantName: tenant.display_name,
          step: 'sspr_done',
        }),
      );
    }
    if (form.action === 'password') return answer(state, 400, GENERIC);
    return startAgain(reply);
  });
}

/**
 * The counter of wrong codes (security review): a real account's is the sign-in's own second-factor
 * counter, so the reset and the sign-in share one budget of guesses and a rename starts none; an
 * unknown account's is kept by the name typed, so it locks and stays locked across restarts alike.
 */
function accountThrottleKey(state: ResetState): string {
  return state.passwordFingerprint && state.userId
    ? throttleKeys.secondFactor(state.userId)
    : throttleKeys.ssprAccount(state.upn ?? '');
}

/** The tenant by id or verified domain, read afresh; no authority is built for it (issue 16 item 3). */
function tenantOf(ctx: WardenContext, key: string) {
  return findTenant(ctx.db, key);
}

function notFound(reply: FastifyReply) {
  return sendHtml(reply, 404, page('Not found', html`<p>This page does not exist.</p>`));
}

function startAgain(reply: FastifyReply) {
  return sendHtml(reply, 403, page('Request refused', html`<p>Start the password reset again.</p>`));
}

/** A failed proof, in the audit log under the name typed (the account may not exist). */
async function auditFailure(
  ctx: WardenContext,
  tenantId: string,
  state: ResetState,
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
      details: { result: 'failure', ...details },
    },
    now,
  );
}
