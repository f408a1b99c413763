import { html } from '../http/html.ts';
import { page } from './layout.ts';

/** The error page of oidc-provider (its `renderError`): what failed, and the OAuth error code. */
export function renderProtocolError(input: { title: string; message: string; code?: string }): string {
  return page(
    input.title,
    html`<p role="alert">${input.message}</p>
${input.code ? html`<p class="muted">Error code: <code>${input.code}</code></p>` : ''}`,
  );
}
