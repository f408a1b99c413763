import type { ServerResponse } from 'node:http';

/**
 * The strict Content-Security-Policy of every page: no inline script or style, no framing.
 * `form-action` lists the origins a form may post to or be redirected to (the sign-in form
 * ends in a redirect to the relying party, which Chromium checks against form-action).
 */
export function contentSecurityPolicy(formTargets: string[] = []): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    `form-action 'self' ${formTargets.join(' ')}`.trim(),
  ].join('; ');
}

/**
 * `no-referrer` unless a page says otherwise. Under `no-referrer` a browser sends `Origin: null`
 * on every POST (Fetch §3.1, "serializing a request origin"); pages whose forms are checked by
 * their Origin (the dashboard's) use `same-origin`, which names the origin to Warden alone and
 * still sends nothing to any other site.
 */
export type ReferrerPolicy = 'no-referrer' | 'same-origin';

export function setSecurityHeaders(
  res: ServerResponse,
  formTargets: string[] = [],
  referrerPolicy: ReferrerPolicy = 'no-referrer',
): void {
  res.setHeader('Content-Security-Policy', contentSecurityPolicy(formTargets));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', referrerPolicy);
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cache-Control', 'no-store');
}
