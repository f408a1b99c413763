import { type Html, html } from '../http/html.ts';

/** The page frame of the sign-in experience. No inline script or style (strict CSP). */
export function page(title: string, body: Html, options: { tenantName?: string } = {}): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} – Warden</title>
<link rel="stylesheet" href="/assets/warden.css">
</head>
<body>
<main class="card" aria-labelledby="page-title">
<p class="brand">Warden${options.tenantName ? html` · <span class="tenant">${options.tenantName}</span>` : ''}</p>
<h1 id="page-title">${title}</h1>
${body}
</main>
</body>
</html>`.value;
}
