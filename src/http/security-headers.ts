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

export function setSecurityHeaders(res: ServerResponse, formTargets: string[] = []): void {
  res.setHeader('Content-Security-Policy', contentSecurityPolicy(formTargets));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cache-Control', 'no-store');
}
