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
<p>Choose the password of <strong>${input.upn}</strong>, the first administrator of ${input.tenantName}. Next you sign in with it and register an authenticator app: administrators always sign in with multi-factor authentication.</p>
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
}): string {
  return page(
    'Your account is ready',
    html`<div>
<p>The password of <strong>${input.upn}</strong> is set. At your first sign-in you register an authenticator app: administrators always sign in with multi-factor authentication.</p>
<p>Sign in from any OpenID Connect application of ${input.tenantName} (authority <code>${input.issuer}</code>), or with the Warden CLI:</p>
<p><code>warden login --tenant ${input.domain}</code></p>
</div>`,
    { tenantName: input.tenantName, step: 'activated' },
  );
}

export function activationErrorPage(input: { code: string; title: string; message: string }): string {
  return page(input.title, html`<div data-code="${input.code}"><p role="alert">${input.message}</p></div>`, {
    step: 'error',
  });
}
