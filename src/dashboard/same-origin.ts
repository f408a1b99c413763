import type { FastifyReply, FastifyRequest } from 'fastify';
import { html } from '../http/html.ts';
import { sendPage } from './respond.ts';
import { dashboardPage } from './views/layout.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Every dashboard form is posted by a dashboard page, so a POST another origin sent is refused
 * (403) before anything runs (issue 9 item 7): `Origin` (RFC 6454 §7, sent by browsers on every
 * POST) must be the configured base URL's origin, and `Sec-Fetch-Site` (Fetch Metadata), when
 * present, `same-origin` (`same-site` is refused too: a sibling host is not the dashboard). A
 * request with neither header still meets the session's CSRF token (guard.ts, sign-out.ts).
 */
export function refuseCrossOriginWrites(
  baseUrl: string,
): (req: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined> {
  const expected = new URL(baseUrl).origin;
  return async (req, reply) => {
    if (SAFE_METHODS.has(req.method)) return undefined;
    const origin = req.headers.origin;
    const site = req.headers['sec-fetch-site'];
    const otherOrigin = origin !== undefined && origin !== expected;
    const otherSite = site !== undefined && site !== 'same-origin' && site !== 'none';
    if (!otherOrigin && !otherSite) return undefined;
    return sendPage(
      reply,
      403,
      dashboardPage(
        'Request refused',
        html`<p data-testid="cross-origin-refused">This form was sent from another site. Open Partner Center and try again.</p>
<p><a href="/dashboard">Go to Partner Center</a></p>`,
      ),
    );
  };
}
