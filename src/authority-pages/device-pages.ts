import { html, raw } from '../http/html.ts';
import { page } from './layout.ts';

/**
 * Pages of the device authorization grant (RFC 8628 §3.3): the user types the code their device
 * shows, confirms which application and tenant it is for, signs in through the usual sign-in pages,
 * and lands on the success page. Same frame and strict CSP as the rest of the sign-in UI.
 */

export interface DeviceInputView {
  action: string;
  /** oidc-provider's anti-CSRF secret of this form. */
  xsrf: string;
  tenantName: string;
  userCode?: string | undefined;
  error?: string | undefined;
  notice?: string | undefined;
}

export function deviceCodeInputPage(view: DeviceInputView): string {
  return page(
    'Enter code',
    html`<p>Enter the code shown by the application on your other device.</p>
${view.notice ? html`<p role="status">${view.notice}</p>` : ''}
${view.error ? html`<p class="error" role="alert" id="form-error">${view.error}</p>` : ''}
<form method="post" action="${view.action}" novalidate>
<input type="hidden" name="xsrf" value="${view.xsrf}">
<label for="user_code">Code</label>
<input id="user_code" name="user_code" type="text" autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="20" required autofocus value="${view.userCode ?? ''}"${view.error ? html` aria-describedby="form-error"` : ''}>
<button type="submit">Next</button>
</form>`,
    { tenantName: view.tenantName, step: 'device_code' },
  );
}

/**
 * The confirmation of RFC 8628 §5.4 (remote phishing): names the application and the tenant and
 * tells the user to stop unless they started this sign-in themselves. `formHtml` is oidc-provider's
 * own confirm form (hidden fields only, values escaped by oidc-provider); the buttons submit it.
 */
export function deviceConfirmPage(view: {
  formHtml: string;
  clientName: string;
  tenantName: string;
  userCode: string;
}): string {
  return page(
    'Confirm sign-in on another device',
    html`<p><strong>${view.clientName}</strong> is asking to sign you in to <strong>${view.tenantName}</strong> on another device.</p>
<p>The device should show the code <code class="user-code">${view.userCode}</code>.</p>
<p class="error" role="alert"><strong>Only continue if you started this sign-in yourself, on a device you have in front of you.</strong>
If someone sent you this code or asked you to enter it, cancel: they would be signed in as you.</p>
${raw(view.formHtml)}
<button type="submit" form="op.deviceConfirmForm" autofocus>Continue</button>
<button type="submit" form="op.deviceConfirmForm" name="abort" value="yes" class="secondary">Cancel, I did not start this</button>`,
    { tenantName: view.tenantName, step: 'device_confirm' },
  );
}

export function deviceSuccessPage(view: { clientName: string; tenantName: string }): string {
  return page(
    'You are signed in',
    html`<p>You signed in to <strong>${view.clientName}</strong> on your other device. You can close this window.</p>`,
    { tenantName: view.tenantName, step: 'device_signed_in' },
  );
}

export function deviceLockedPage(view: { tenantName: string; retryAfterMinutes: number }): string {
  return page(
    'Try again later',
    html`<p role="alert">Too many codes were tried from your network. Wait ${view.retryAfterMinutes} minute${view.retryAfterMinutes === 1 ? '' : 's'} and enter the code again.</p>`,
    { tenantName: view.tenantName, step: 'device_locked' },
  );
}
