import { html } from '../http/html.ts';
import { page } from './layout.ts';

/**
 * OpenID Connect RP-Initiated Logout 1.0 §2: the OP asks the End-User whether to sign out of the
 * OP as well. The form posts oidc-provider's anti-CSRF secret (`xsrf`) to its confirm endpoint;
 * "Yes" sends `logout=yes` (ends the authority's session), "No" only ends the client's part.
 */
export function logoutConfirmPage(input: {
  action: string;
  xsrf: string;
  tenantName: string;
  clientName?: string | undefined;
}): string {
  return page(
    'Sign out',
    html`<form method="post" action="${input.action}" data-step="logout_confirm">
<input type="hidden" name="xsrf" value="${input.xsrf}">
<p>${input.clientName ? html`<strong>${input.clientName}</strong> asks to sign you out. ` : ''}Do you want to sign out of Warden?</p>
<button type="submit" name="logout" value="yes" autofocus>Yes, sign me out</button>
<button type="submit" class="secondary">No, stay signed in</button>
</form>`,
    { tenantName: input.tenantName },
  );
}

/**
 * RP-Initiated Logout §3: where the OP lands when the client named no post_logout_redirect_uri.
 * oidc-provider names the client only when the user chose to stay signed in to Warden.
 */
export function loggedOutPage(input: { tenantName: string; clientName?: string | undefined }): string {
  return page(
    'Signed out',
    html`<p data-step="logged_out" role="status">You are signed out of ${input.clientName ? html`<strong>${input.clientName}</strong>` : 'Warden'}. You can close this window.</p>`,
    { tenantName: input.tenantName },
  );
}
