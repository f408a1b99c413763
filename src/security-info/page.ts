import type { FastifyReply } from 'fastify';
import type { MethodSummary } from '../authentication-methods/methods.ts';
import type { User } from '../directory/users.ts';
import { SECURITY_INFO_ERRORS, type SecurityInfoErrorCode } from '../errors/security-info-errors.ts';
import { type Html, html } from '../http/html.ts';
import { pageFrame } from '../http/page-frame.ts';
import { PASSKEY_SCRIPTS, type PasskeyCeremony, passkeyForm } from '../http/passkey-form.ts';
import { setSecurityHeaders } from '../http/security-headers.ts';
import type { ResetReadiness } from '../self-service-password-reset/readiness.ts';
import type { GraphSignIn } from '../sign-in-logs/sign-in-log.ts';

/** What one rendering of the page shows besides the user's facts. */
export interface PageNotes {
  notice?: string;
  error?: { code: SecurityInfoErrorCode; message: string };
  /** Recovery codes just generated: shown this once. */
  newCodes?: string[];
}

export interface SecurityInfoView {
  tenantName: string;
  action: string;
  csrf: string;
  user: User;
  methods: MethodSummary;
  signIns: GraphSignIn[];
  /**
   * The "Add a passkey" ceremony's options, on a fresh challenge of this session; none when the
   * session's MFA is older than a passkey allows (the page offers to verify again first).
   */
  passkey: PasskeyCeremony | undefined;
  /** Whether a forgotten password could be reset by the user now (self-service-password-reset/readiness.ts). */
  reset: ResetReadiness;
}

const when = (ms: number | null) =>
  ms === null ? 'Never' : new Date(ms).toISOString().replace('T', ' ').slice(0, 16);

function frame(title: string, tenantName: string, body: Html): string {
  return pageFrame({
    site: 'Warden Security info',
    title,
    header: html`<header class="top"><p class="brand">Warden Security info${tenantName ? html` · <span class="tenant">${tenantName}</span>` : ''}</p></header>`,
    body,
  });
}

/** A page under the strict security headers (no inline script or style). */
export function sendPage(reply: FastifyReply, status: number, body: string): FastifyReply {
  setSecurityHeaders(reply.raw, [], 'same-origin');
  return reply.code(status).type('text/html; charset=utf-8').send(body);
}

export function messagePage(title: string, text: string, code?: SecurityInfoErrorCode): string {
  return frame(title, '', html`<p role="alert"${code ? html` data-code="${code}"` : ''}>${text}</p>`);
}

export function errorOf(code: SecurityInfoErrorCode, message?: string): PageNotes['error'] {
  return { code, message: message ?? SECURITY_INFO_ERRORS[code].description };
}

function hidden(csrf: string, action: string, extra: Html = html``): Html {
  return html`<input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="action" value="${action}">${extra}`;
}

function methodRow(
  view: SecurityInfoView,
  kind: string,
  m: { id: string; displayName: string; createdAt: number; lastUsedAt: number | null },
): Html {
  const id = html`<input type="hidden" name="methodId" value="${m.id}">`;
  return html`<tr data-method-id="${m.id}" data-kind="${kind}">
<td class="name">${m.displayName}</td><td>${kind === 'passkey' ? 'Passkey' : 'Authenticator app'}</td>
<td>${when(m.createdAt)}</td><td>${when(m.lastUsedAt)}</td>
<td><form method="post" action="${view.action}" class="inline rename">${hidden(view.csrf, 'rename', id)}
<label>New name <input name="displayName" maxlength="64" required></label><button type="submit">Rename</button></form>
<form method="post" action="${view.action}" class="inline remove">${hidden(view.csrf, 'remove', id)}<button type="submit">Remove</button></form></td>
</tr>`;
}

/**
 * "Add a passkey" (issue 15 items 1, 3): the WebAuthn ceremony on this session's challenge; the
 * server asks for an MFA within 5 minutes before it registers the key (reference §3.4).
 */
export function addPasskeySection(view: SecurityInfoView): Html {
  // Past 5 minutes the ceremony is not offered: a key made now would be refused by the server and
  // left unused on the authenticator. The user verifies again, then comes back to a ceremony.
  if (!view.passkey)
    return html`<form method="post" action="${view.action}" data-testid="passkey-verify-again">${hidden(view.csrf, 'verify_for_passkey')}<p class="muted">Adding a passkey needs a sign-in from the last 5 minutes.</p><button type="submit">Verify it's you to add a passkey</button></form>`;
  return html`${passkeyForm({
    url: view.action,
    csrf: view.csrf,
    action: 'add_passkey',
    mode: 'register',
    ceremony: view.passkey,
    label: 'Add a passkey or security key',
  })}${PASSKEY_SCRIPTS}`;
}

/**
 * Issue 15 item 5: the user, an administrator above all (two methods), is asked to have what a
 * self-service password reset proves.
 */
function resetSection(view: SecurityInfoView): Html {
  const { required, available, ready, passwordSet } = view.reset;
  if (!passwordSet)
    return html`<section aria-labelledby="reset-title"><h2 id="reset-title">If you forget your password</h2>
<p data-testid="sspr-readiness" data-ready="false">Your account has no password, so there is none to reset: you sign in with your passkey or a Temporary Access Pass from an administrator.</p>
</section>`;
  const need =
    required === 2
      ? 'both an authenticator app and unused recovery codes'
      : 'an authenticator app or unused recovery codes';
  return html`<section aria-labelledby="reset-title"><h2 id="reset-title">If you forget your password</h2>
${
  ready
    ? html`<p data-testid="sspr-readiness" data-ready="true">You can reset it yourself from the sign-in page (“Forgot my password”).</p>`
    : html`<p class="error" role="status" data-testid="sspr-readiness" data-ready="false">You could not reset it yourself yet: the reset asks for ${need}${required === 2 && view.user.directoryRoles.length > 0 ? ' (administrators always prove two)' : ''}. You have ${String(available.length)} of them. ${available.includes('totp') ? '' : 'Add an authenticator app. '}${available.includes('recoveryCode') ? '' : 'Generate recovery codes. '}A passkey signs you in but does not reset a password.</p>`
}
</section>`;
}

function signInRows(signIns: GraphSignIn[]): Html {
  if (signIns.length === 0) return html`<p class="muted">No sign-ins in the last 30 days.</p>`;
  return html`<table data-testid="recent-sign-ins"><thead><tr><th scope="col">When</th><th scope="col">Application</th><th scope="col">Address</th><th scope="col">Result</th></tr></thead>
<tbody>${signIns.map(
    (s) =>
      html`<tr><td>${s.createdDateTime.replace('T', ' ').slice(0, 16)}</td><td>${s.appDisplayName ?? s.appId ?? ''}</td><td>${s.ipAddress ?? ''}</td><td>${s.status.errorCode === 0 ? 'Success' : `Failure (${s.status.errorCode})`}</td></tr>`,
  )}</tbody></table>`;
}

/** The Security info page: methods, recovery codes, password, recent sign-ins. */
export function securityInfoPage(view: SecurityInfoView, notes: PageNotes = {}): string {
  const { methods } = view;
  const rows = [
    ...methods.totp.map((m) => methodRow(view, 'totp', m)),
    ...methods.passkeys.map((m) => methodRow(view, 'passkey', m)),
  ];
  return frame(
    'Security info',
    view.tenantName,
    html`<p data-testid="signed-in-user">${view.user.displayName} (${view.user.userPrincipalName})</p>
${notes.notice ? html`<p class="notice" role="status" data-testid="notice">${notes.notice}</p>` : ''}
${notes.error ? html`<p class="error" role="alert" data-code="${notes.error.code}">${notes.error.message}</p>` : ''}
${
  notes.newCodes
    ? html`<section aria-labelledby="codes-title"><h2 id="codes-title">Your new recovery codes</h2>
<p>Keep them somewhere safe: they are shown this once, and each works once.</p>
<ul class="codes">${notes.newCodes.map((c) => html`<li><code>${c}</code></li>`)}</ul></section>`
    : ''
}
<section aria-labelledby="methods-title"><h2 id="methods-title">Sign-in methods</h2>
${
  rows.length
    ? html`<table data-testid="methods"><thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Added</th><th scope="col">Last used</th><th scope="col">Actions</th></tr></thead><tbody>${rows}</tbody></table>`
    : html`<p class="muted">No MFA method registered.</p>`
}
<form method="post" action="${view.action}">${hidden(view.csrf, 'add_app_begin')}<button type="submit">Add an authenticator app</button></form>
${addPasskeySection(view)}
</section>
${resetSection(view)}
<section aria-labelledby="recovery-title"><h2 id="recovery-title">Recovery codes</h2>
<p><span data-testid="recovery-codes-left">${String(methods.recoveryCodesRemaining)}</span> unused recovery codes left.</p>
<form method="post" action="${view.action}">${hidden(view.csrf, 'regenerate_codes')}<button type="submit">Generate new recovery codes</button></form>
</section>
<section aria-labelledby="password-title"><h2 id="password-title">Password</h2>
<p>Last changed: <span data-testid="password-changed">${view.user.passwordChangedAt === null ? 'not recorded' : when(view.user.passwordChangedAt)}</span></p>
<form method="post" action="${view.action}" class="password">${hidden(view.csrf, 'change_password')}
<label for="current-password">Current password</label><input id="current-password" name="currentPassword" type="password" autocomplete="current-password" required>
<label for="new-password">New password</label><input id="new-password" name="newPassword" type="password" autocomplete="new-password" required>
<label for="confirm-password">Confirm new password</label><input id="confirm-password" name="confirmPassword" type="password" autocomplete="new-password" required>
<button type="submit">Change password</button></form>
<p class="muted">Changing it signs you out everywhere else.</p>
</section>
<section aria-labelledby="sign-ins-title"><h2 id="sign-ins-title">Recent sign-ins</h2>${signInRows(view.signIns)}</section>`,
  );
}

/** Step two of adding an authenticator app: the QR code and key, and the first code to confirm it. */
export function addAppPage(
  view: SecurityInfoView,
  setup: { qrDataUrl: string; secret: string; sealed: string },
  error?: PageNotes['error'],
): string {
  return frame(
    'Add an authenticator app',
    view.tenantName,
    html`${error ? html`<p class="error" role="alert" data-code="${error.code}">${error.message}</p>` : ''}
<ol><li>Scan this QR code, or enter the key by hand.</li><li>Enter the 6-digit code the app shows.</li></ol>
<img class="qr" src="${setup.qrDataUrl}" alt="QR code to add this account to an authenticator app" width="200" height="200">
<p>Key: <code class="secret">${setup.secret}</code></p>
<form method="post" action="${view.action}">${hidden(view.csrf, 'add_app_confirm', html`<input type="hidden" name="setup" value="${setup.sealed}">`)}
<label for="code">Code</label><input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required>
<button type="submit">Add</button></form>
<p><a href="${view.action}">Cancel</a></p>`,
  );
}

/** The warning before the last passkey goes (reference §2.2: the phishing-resistant method). */
export function confirmRemovalPage(
  view: SecurityInfoView,
  method: { id: string; displayName: string },
): string {
  return frame(
    'Remove your last passkey?',
    view.tenantName,
    html`<p class="error" role="alert" data-code="last_phishing_resistant_method">${SECURITY_INFO_ERRORS.last_phishing_resistant_method.description} "${method.displayName}" is your last passkey: without it you can no longer sign in in a way that resists phishing.</p>
<form method="post" action="${view.action}">${hidden(view.csrf, 'remove', html`<input type="hidden" name="methodId" value="${method.id}"><input type="hidden" name="confirm" value="yes">`)}
<button type="submit">Remove it anyway</button></form>
<p><a href="${view.action}">Keep it</a></p>`,
  );
}
