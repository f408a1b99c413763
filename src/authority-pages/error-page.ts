import { html, raw } from '../http/html.ts';
import { page } from './layout.ts';

/** Error and logout pages for oidc-provider. `formHtml` is oidc-provider's own (escaped) logout form. */
export function renderProtocolError(input: {
  title: string;
  message: string;
  code?: string;
  formHtml?: string;
}): string {
  return page(
    input.title,
    html`<p role="alert">${input.message}</p>
${input.code ? html`<p class="muted">Error code: <code>${input.code}</code></p>` : ''}
${
  input.formHtml
    ? html`${raw(input.formHtml)}
<button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Yes, sign me out</button>
<button type="submit" form="op.logoutForm" class="secondary">No, stay signed in</button>`
    : ''
}`,
  );
}
