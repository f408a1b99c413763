import { type Html, html } from '../http/html.ts';

/**
 * The page frame of the sign-in experience. No inline script or style (strict CSP).
 * `step` names what the page is, for tests and tools to read instead of its wording: the state
 * of the sign-in flow it shows (sign-in/transitions.ts), `consent`, a device-code page, or
 * `message`/`error` for pages that only tell something.
 */
export function page(
  title: string,
  body: Html,
  options: { tenantName?: string; step?: string } = {},
): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} – Warden</title>
<link rel="stylesheet" href="/assets/warden.css">
</head>
<body>
<main class="card" aria-labelledby="page-title" data-step="${options.step ?? 'message'}">
<p class="brand">Warden${options.tenantName ? html` · <span class="tenant">${options.tenantName}</span>` : ''}</p>
<h1 id="page-title">${title}</h1>
${body}
</main>
</body>
</html>`.value;
}
