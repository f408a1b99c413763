import type { FastifyReply } from 'fastify';
import { page } from '../authority-pages/layout.ts';
import type { WardenContext } from '../context.ts';
import { getUser } from '../directory/users.ts';
import { html } from '../http/html.ts';
import { setSecurityHeaders } from '../http/security-headers.ts';
import { methodsRequired } from './methods-required.ts';
import { RESET_METHODS, type ResetState, resetStateCookie } from './state.ts';

/**
 * The pages of a self-service password reset (issue 15 item 5): the username, the methods still to
 * prove, the new password. A decoy account sees the same pages as a real one (the tenant's
 * setting decides how many methods it is asked for, as for any account without a role).
 */

/** The one answer to a wrong code, a locked throttle or an account that can never succeed. */
export const GENERIC = 'The code is not valid, or too many attempts were made. Check it and try again later.';

const LABELS: Record<(typeof RESET_METHODS)[number], string> = {
  totp: 'Authenticator app code',
  recoveryCode: 'Recovery code',
};

export interface ResetTenant {
  id: string;
  display_name: string;
}

/** The page for where `state` stands, with the cookie that keeps it. */
export async function sendResetPage(
  ctx: WardenContext,
  reply: FastifyReply,
  tenantKey: string,
  tenant: ResetTenant,
  state: ResetState,
  status: number,
  error?: string,
): Promise<FastifyReply> {
  reply.header('Set-Cookie', resetStateCookie(ctx, tenant.id, state));
  const action = `/${encodeURIComponent(tenantKey)}/sspr`;
  const alert = error ? html`<p class="error" role="alert">${error}</p>` : html``;
  const hidden = (a: string) =>
    html`<input type="hidden" name="csrf" value="${state.csrf}"><input type="hidden" name="action" value="${a}">`;
  const options = { tenantName: tenant.display_name };
  if (!state.userId) {
    return sendHtml(
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
  const user = state.passwordFingerprint ? await getUser(ctx.db, tenant.id, state.userId) : undefined;
  const required = await methodsRequired(ctx.db, tenant.id, user);
  if (state.proven.length < required) {
    const left = RESET_METHODS.filter((m) => !state.proven.includes(m));
    return sendHtml(
      reply,
      status,
      page(
        'Verify your identity',
        html`<p>Resetting the password of <strong>${state.upn ?? ''}</strong>. Prove ${String(required - state.proven.length)} more method(s).</p>${alert}
${left.map(
  (m) => html`<form method="post" action="${action}" novalidate>${hidden(m)}
<label for="${m}">${LABELS[m]}</label>
<input id="${m}" name="code" autocomplete="one-time-code" required>
<button type="submit">Verify</button></form>`,
)}`,
        { ...options, step: 'sspr_verify' },
      ),
    );
  }
  return sendHtml(
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

/** A page under the strict security headers. */
export function sendHtml(reply: FastifyReply, status: number, body: string): FastifyReply {
  setSecurityHeaders(reply.raw);
  return reply.code(status).type('text/html; charset=utf-8').send(body);
}
