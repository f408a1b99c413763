import { MIN_LENGTH } from '../../authentication-methods/password-policy.ts';
import { page } from '../../authority-pages/layout.ts';
import { html } from '../../http/html.ts';

/**
 * The activation pages, in the sign-in experience's frame (no inline script or style). Each
 * carries `data-step` (activate, activated, error) and, on failure, `data-code` (docs/errors.md
 * "Activation page errors"): tests and tools read those, not the prose.
 */

export function activationFormPage(input: {
  action: string;
  csrf: string;
  tenantName: string;
  upn: string;
  expiresAt: number;
  error?: { code: string; message: string } | undefined;
}): string {
  const { error } = input;
  return page(
    'Activate your account',
    html`<div${error ? html` data-code="${error.code}"` : ''}>
<p>Choose the password of <strong>${input.upn}</strong>, the first administrator of ${input.tenantName}. Next you get a one-time Temporary Access Pass: sign in with it to register a passkey or an authenticator app (administrators always sign in with multi-factor authentication).</p>
<p class="muted">At least ${String(MIN_LENGTH)} characters, with three of: lowercase letters, uppercase letters, digits, symbols. Not your name, and not a common password. This link works once, until ${new Date(input.expiresAt).toISOString().slice(0, 16).replace('T', ' ')} UTC.</p>
${error ? html`<p class="error" role="alert" id="form-error">${error.message}</p>` : ''}
<form method="post" action="${input.action}" novalidate>
<input type="hidden" name="csrf" value="${input.csrf}">
<input type="hidden" name="username" value="${input.upn}" autocomplete="username">
<label for="new-password">Password</label>
<input id="new-password" name="password" type="password" autocomplete="new-password" minlength="${String(MIN_LENGTH)}" required autofocus${error ? html` aria-describedby="form-error"` : ''}>
<label for="confirm-password">Confirm password</label>
<input id="confirm-password" name="confirmPassword" type="password" autocomplete="new-password" required>
<button type="submit">Set password and continue</button>
</form>
</div>`,
    { tenantName: input.tenantName, step: 'activate' },
  );
}

/** A customer tenant's administrator: Warden has no web application for customers to land in. */
export function activatedPage(input: {
  tenantName: string;
  upn: string;
  domain: string;
  issuer: string;
  temporaryAccessPass: string;
  passExpiresAt: number;
  /** Where an operator's or partner's administrator signs in (the dashboard); none for a customer's. */
  continueTo?: string | undefined;
}): string {
  const until = new Date(input.passExpiresAt).toISOString().slice(0, 16).replace('T', ' ');
  return page(
    'Your account is ready',
    html`<div>
<p>The password of <strong>${input.upn}</strong> is set. Your first sign-in registers a passkey or an authenticator app, and it needs this <strong>Temporary Access Pass</strong> instead of the password (so that nobody who learns the password first can register their own):</p>
<p><code class="secret" data-testid="temporary-access-pass" aria-label="Temporary Access Pass">${input.temporaryAccessPass}</code></p>
<p class="muted">Shown only now. It works once, until ${until} UTC. On the sign-in page choose “Sign in with a Temporary Access Pass”. If it expires first, another administrator can issue a new one (<code>warden methods tap create</code>).</p>
${
  input.continueTo
    ? html`<p><a class="button" href="${input.continueTo}" data-testid="continue-sign-in">Continue to sign in</a></p>`
    : html`<p>Sign in from any OpenID Connect application of ${input.tenantName} (authority <code>${input.issuer}</code>), or with the Warden CLI:</p>
<p><code>warden login --tenant ${input.domain}</code></p>`
}
</div>`,
    { tenantName: input.tenantName, step: 'activated' },
  );
}

export function activationErrorPage(input: { code: string; title: string; message: string }): string {
  return page(input.title, html`<div data-code="${input.code}"><p role="alert">${input.message}</p></div>`, {
    step: 'error',
  });
}
