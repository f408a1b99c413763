import { type Html, html } from './html.ts';

/**
 * A passkey ceremony's form (issue 15 item 1), for the sign-in pages and the Security info page:
 * the WebAuthn options ride in `data-options`, and `/assets/passkey.js` (same origin, no inline
 * script: the strict CSP holds) runs navigator.credentials through @simplewebauthn/browser, puts
 * the response in `credential` and submits. The button is not a submit button: without script (or
 * without the ceremony) the form is never sent empty, and the page's other forms work as before.
 */
export interface PasskeyCeremony {
  /** PublicKeyCredentialCreationOptionsJSON or RequestOptionsJSON, as @simplewebauthn/server made them. */
  options: unknown;
}

export function passkeyForm(input: {
  /** Where the form posts. */
  url: string;
  csrf: string;
  /** The form's `action` field: the step or page action that verifies the response. */
  action: string;
  mode: 'register' | 'authenticate';
  ceremony: PasskeyCeremony;
  label: string;
}): Html {
  return html`<form method="post" action="${input.url}" class="passkey" data-passkey="${input.mode}" data-options="${JSON.stringify(input.ceremony.options)}">
<input type="hidden" name="csrf" value="${input.csrf}">
<input type="hidden" name="action" value="${input.action}">
<input type="hidden" name="credential" value="">
<button type="button" data-passkey-start>${input.label}</button>
<p class="error" role="alert" data-passkey-error hidden></p>
</form>`;
}

/** The scripts of a page with a passkey form (both files of Warden's origin). */
export const PASSKEY_SCRIPTS = html`<script src="/assets/simplewebauthn-browser.js" defer></script>
<script src="/assets/passkey.js" defer></script>`;
