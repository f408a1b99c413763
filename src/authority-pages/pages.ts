import { MIN_LENGTH } from '../authentication-methods/password-policy.ts';
import { type Html, html } from '../http/html.ts';
import { PASSKEY_SCRIPTS, type PasskeyCeremony, passkeyForm } from '../http/passkey-form.ts';
import { page } from './layout.ts';

export interface FormContext {
  action: string;
  csrf: string;
  tenantName: string;
  error?: string | undefined;
}

function form(
  ctx: FormContext,
  action: string,
  fields: Html,
  submit: string,
  extra: Html | string = '',
): Html {
  return html`<form method="post" action="${ctx.action}" novalidate>
<input type="hidden" name="csrf" value="${ctx.csrf}">
<input type="hidden" name="action" value="${action}">
${fields}
<button type="submit">${submit}</button>
${extra}
</form>`;
}

function passkeyStep(
  ctx: FormContext,
  action: 'passkey_sign_in' | 'passkey' | 'confirm_passkey',
  ceremony: PasskeyCeremony,
  label: string,
): Html {
  const mode = action === 'confirm_passkey' ? 'register' : 'authenticate';
  return passkeyForm({ url: ctx.action, csrf: ctx.csrf, action, mode, ceremony, label });
}

function alert(error: string | undefined): Html {
  return error ? html`<p class="error" role="alert" id="form-error">${error}</p>` : html``;
}

/** Issue 15 item 4: leave the account this page names (the session's) for the whole sign-in. */
function anotherAccount(ctx: FormContext): Html {
  return html`<form method="post" action="${ctx.action}" class="secondary-action">
<input type="hidden" name="csrf" value="${ctx.csrf}">
<input type="hidden" name="action" value="use_another_account">
<button type="submit" class="link">Not you? Sign in with another account</button>
</form>`;
}

function cancel(ctx: FormContext): Html {
  return html`<form method="post" action="${ctx.action}" class="secondary-action">
<input type="hidden" name="csrf" value="${ctx.csrf}">
<input type="hidden" name="action" value="cancel">
<button type="submit" class="link">Cancel sign-in</button>
</form>`;
}

export function credentialsPage(
  ctx: FormContext,
  input: { loginHint?: string | undefined; clientName: string; passkey?: PasskeyCeremony | undefined },
): string {
  return page(
    'Sign in',
    html`<p>to continue to <strong>${input.clientName}</strong></p>
${alert(ctx.error)}
${form(
  ctx,
  'password',
  html`<label for="username">Email or username</label>
<input id="username" name="username" type="email" autocomplete="username" required autofocus value="${input.loginHint ?? ''}"${ctx.error ? html` aria-describedby="form-error"` : ''}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>`,
  'Sign in',
)}
${input.passkey ? html`<div class="alternative"><p>or, without a password:</p>${passkeyStep(ctx, 'passkey_sign_in', input.passkey, 'Sign in with a passkey')}</div>${PASSKEY_SCRIPTS}` : ''}
<p><a href="/${ctx.action.split('/')[1] ?? ''}/sspr">Forgot my password</a></p>
<details>
<summary>Sign in with a Temporary Access Pass</summary>
<p class="muted">An administrator gave you a pass to sign in without your password and set up your sign-in methods.</p>
${form(
  ctx,
  'temporary_access_pass',
  html`<label for="tap-username">Email or username</label>
<input id="tap-username" name="username" type="email" autocomplete="username" required value="${input.loginHint ?? ''}">
<label for="temporary-access-pass">Temporary Access Pass</label>
<input id="temporary-access-pass" name="temporaryAccessPass" type="password" autocomplete="one-time-code" required>`,
  'Sign in with the pass',
)}
</details>
${cancel(ctx)}`,
    { tenantName: ctx.tenantName, step: 'credentials' },
  );
}

/** SPEC §9: the temporary password an admin set must be replaced before the sign-in goes on. */
export function changePasswordPage(ctx: FormContext, input: { upn: string }): string {
  return page(
    'Update your password',
    html`<p>Signing in as <strong>${input.upn}</strong>. Your administrator gave you a temporary password; choose a new one to continue.</p>
<p class="muted">At least ${String(MIN_LENGTH)} characters, with three of: lowercase letters, uppercase letters, digits, symbols. Not your name, and not a common password.</p>
${alert(ctx.error)}
${form(
  ctx,
  'change_password',
  html`<label for="new-password">New password</label>
<input id="new-password" name="newPassword" type="password" autocomplete="new-password" minlength="${String(MIN_LENGTH)}" required autofocus${ctx.error ? html` aria-describedby="form-error"` : ''}>
<label for="confirm-password">Confirm new password</label>
<input id="confirm-password" name="confirmPassword" type="password" autocomplete="new-password" required>`,
  'Update password',
)}
${cancel(ctx)}`,
    { tenantName: ctx.tenantName, step: 'change_password' },
  );
}

export function secondFactorPage(
  ctx: FormContext,
  input: {
    upn: string;
    recoveryCodesLeft: number;
    hasAuthenticatorApp: boolean;
    passkey?: PasskeyCeremony | undefined;
  },
): string {
  return page(
    'Verify your identity',
    html`<p>Signing in as <strong>${input.upn}</strong>.${input.passkey ? ' Use your passkey or security key.' : ' Enter the 6-digit code from your authenticator app.'}</p>
${alert(ctx.error)}
${input.passkey ? html`${passkeyStep(ctx, 'passkey', input.passkey, 'Use a passkey')}${PASSKEY_SCRIPTS}` : ''}
${
  input.hasAuthenticatorApp || !input.passkey
    ? html`${input.passkey ? html`<p>or enter the 6-digit code from your authenticator app:</p>` : ''}${form(
        ctx,
        'totp',
        html`<label for="code">Code</label>
<input id="code" name="code" inputmode="numeric" pattern="[0-9]{6}" maxlength="6" autocomplete="one-time-code" required autofocus>`,
        'Verify',
      )}`
    : ''
}
${
  input.recoveryCodesLeft > 0
    ? html`<details><summary>Use a recovery code instead</summary>
${form(
  ctx,
  'recovery_code',
  html`<label for="recovery">Recovery code</label>
<input id="recovery" name="code" autocomplete="one-time-code" spellcheck="false" required>`,
  'Use recovery code',
)}
</details>`
    : ''
}
${anotherAccount(ctx)}
${cancel(ctx)}`,
    { tenantName: ctx.tenantName, step: 'second_factor' },
  );
}

export function registerOfferPage(ctx: FormContext, input: { skipUntil: number; now: number }): string {
  const days = Math.max(0, Math.ceil((input.skipUntil - input.now) / 86_400_000));
  return page(
    'Let’s keep your account secure',
    html`<p>Your organisation asks you to set up a second verification method. You can skip this for
${days} more day${days === 1 ? '' : 's'}; after that, sign-in needs it.</p>
${alert(ctx.error)}
${form(ctx, 'begin_registration', html``, 'Set it up now')}
${form(ctx, 'skip_registration', html``, 'Skip for now')}`,
    { tenantName: ctx.tenantName, step: 'register_offer' },
  );
}

/**
 * Issue 15 item 2: the registration interrupt offers a choice, most secure first — a passkey or
 * security key (phishing-resistant), then an authenticator app.
 */
export function registerMethodPage(
  ctx: FormContext,
  input: { qrDataUrl: string; secret: string; required: boolean; passkey: PasskeyCeremony },
): string {
  const grouped = input.secret.replace(/(.{4})/g, '$1 ').trim();
  return page(
    'Set up a way to verify it’s you',
    html`${input.required ? html`<p>Your organisation requires more information to keep your account secure.</p>` : ''}
${alert(ctx.error)}
<section aria-labelledby="passkey-title">
<h2 id="passkey-title">A passkey or security key (recommended)</h2>
<p>Sign in with your device’s screen lock, a security key or a passkey manager. It cannot be phished.</p>
${passkeyStep(ctx, 'confirm_passkey', input.passkey, 'Create a passkey')}
</section>
<section aria-labelledby="totp-title">
<h2 id="totp-title">An authenticator app</h2>
<ol>
<li>Open an authenticator app (it works on a phone or a desktop).</li>
<li>Scan this QR code, or enter the key by hand.</li>
<li>Enter the 6-digit code the app shows.</li>
</ol>
<img class="qr" src="${input.qrDataUrl}" alt="QR code to add this account to an authenticator app" width="200" height="200">
<p>Key: <code class="secret" aria-label="Secret key">${grouped}</code></p>
${form(
  ctx,
  'confirm_totp',
  html`<label for="code">Code from the app</label>
<input id="code" name="code" inputmode="numeric" pattern="[0-9]{6}" maxlength="6" autocomplete="one-time-code" required>`,
  'Verify and finish',
)}
</section>
${cancel(ctx)}
${PASSKEY_SCRIPTS}`,
    { tenantName: ctx.tenantName, step: 'register_method' },
  );
}

export function recoveryCodesPage(ctx: FormContext, input: { codes: string[] }): string {
  return page(
    'Save your recovery codes',
    html`<p>Each code signs you in once if you lose your authenticator. Store them somewhere safe; they are shown only now.</p>
<ul class="codes">${input.codes.map((c) => html`<li><code>${c}</code></li>`)}</ul>
${alert(ctx.error)}
${form(ctx, 'continue', html``, 'I saved them, continue')}`,
    { tenantName: ctx.tenantName, step: 'recovery_codes' },
  );
}

/**
 * A page that only tells something. `step` says which: `error` (the request cannot go on: start
 * again), `blocked` or `locked` (the sign-in ended there), `message` otherwise.
 */
export function messagePage(
  title: string,
  message: string,
  input: { tenantName?: string; code?: number; step?: 'message' | 'error' | 'blocked' | 'locked' } = {},
): string {
  return page(
    title,
    html`<p role="alert">${message}</p>${input.code !== undefined ? html`<p class="muted">Error code: AADSTS${input.code}</p>` : ''}`,
    { ...(input.tenantName ? { tenantName: input.tenantName } : {}), step: input.step ?? 'message' },
  );
}

export function consentPage(
  ctx: FormContext,
  input: { clientName: string; publisherTenant: string; scopes: string[] },
): string {
  return page(
    'Permissions requested',
    html`<p><strong>${input.clientName}</strong> (registered by ${input.publisherTenant}) would like to:</p>
<ul>${input.scopes.map((s) => html`<li><code>${s}</code></li>`)}</ul>
${form(ctx, 'consent', html``, 'Accept')}
${cancel(ctx)}`,
    { tenantName: ctx.tenantName, step: 'consent' },
  );
}
