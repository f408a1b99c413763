import { html } from '../http/html.ts';
import { page } from './layout.ts';

/** What a form post carries: where to, and the fields (OAuth 2.0 Form Post Response Mode §2). */
export interface FormPost {
  action: string;
  fields: [name: string, value: string][];
}

/**
 * The page that posts a response on (OAuth 2.0 Form Post Response Mode §2: the authorization
 * response to the client's redirect_uri; oidc-provider's own self-posts of the logout and device
 * flows). No inline script, so the strict CSP holds: `/assets/form-post.js` (same origin, allowed
 * by `script-src 'self'`) submits the form, and without script the user presses Continue.
 */
export function formPostPage(post: FormPost, options: { tenantName?: string } = {}): string {
  const destination = hostOf(post.action);
  return page(
    'Continuing…',
    html`<form method="post" action="${post.action}" data-step="form_post" data-auto-submit>
${post.fields.map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
<p>${destination ? html`Returning to <strong>${destination}</strong>.` : 'One moment.'}</p>
<button type="submit" autofocus>Continue</button>
</form>
<script src="/assets/form-post.js"></script>`,
    options,
  );
}

function hostOf(action: string): string {
  try {
    return new URL(action).host;
  } catch {
    return '';
  }
}
