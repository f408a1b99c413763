import { type Html, html } from './html.ts';

/**
 * The frame of every server-rendered page of Warden's web sites (Partner Center, the customer
 * admin center): no inline script or style (the strict CSP), one stylesheet, the site's header,
 * the page's title as its one `h1`.
 */
export function pageFrame(input: { site: string; title: string; header: Html; body: Html }): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${input.title} – ${input.site}</title>
<link rel="stylesheet" href="/assets/dashboard.css">
</head>
<body class="dashboard">
${input.header}
<main aria-labelledby="page-title">
<h1 id="page-title">${input.title}</h1>
${input.body}
</main>
</body>
</html>`.value;
}
