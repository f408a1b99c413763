import { AUTHORITY_ROUTES } from '../tokens/authority-urls.ts';

/** Issue 16 item 2: the surfaces requests are counted by (docs/metrics.md). */
export type Surface =
  | 'authority'
  | 'partner-api'
  | 'graph'
  | 'dashboard'
  | 'admin-center'
  | 'security-info'
  | 'other';

/**
 * The surface of a Fastify route, from its pattern (never a raw URL). Read once per route, when it
 * is registered. The sign-in pages, the password reset and account activation are the authority's.
 */
export function surfaceOfRoute(pattern: string): Surface {
  if (pattern === '/v1' || pattern.startsWith('/v1/')) return 'partner-api';
  if (pattern.startsWith('/v1.0/') || pattern === '/v1.0' || pattern.startsWith('/beta/')) return 'graph';
  if (pattern.includes('security-info')) return 'security-info';
  if (pattern.startsWith('/dashboard') || pattern.startsWith('/commerce/')) return 'dashboard';
  if (pattern === '/admin' || pattern.startsWith('/admin/')) return 'admin-center';
  if (pattern.startsWith('/:tenantId/') || pattern.startsWith('/activate/')) return 'authority';
  return 'other';
}

// Every label an authority path can have, made once: counting a request builds no string.
const ENDPOINTS = Object.values(AUTHORITY_ROUTES)
  .sort((a, b) => b.length - a.length)
  .map((endpoint) => ({ endpoint, exact: `/{tenant}${endpoint}`, below: `/{tenant}${endpoint}/{step}` }));
const DISCOVERY = '/{tenant}/v2.0/.well-known/openid-configuration';
const OTHER_WELL_KNOWN = '/{tenant}/v2.0/.well-known/{other}';
const OTHER = '/{tenant}/{other}';

/**
 * The route pattern of an authority path (`/{tenant}/oauth2/v2.0/token`): the tenant segment and
 * anything below a known endpoint (an interaction uid, a confirm step) become placeholders, so a
 * URL's tenant id, domain or uid never becomes a label (unbounded, and a tenant id identifies).
 */
export function authorityRouteOf(url: string): string {
  const queryAt = url.indexOf('?');
  const end = queryAt === -1 ? url.length : queryAt;
  const slash = url.indexOf('/', 1);
  if (slash === -1 || slash > end) return OTHER;
  if (url.startsWith('/v2.0/.well-known/', slash) || url.startsWith('/.well-known/', slash))
    return url.lastIndexOf('/openid-configuration', end) === end - '/openid-configuration'.length
      ? DISCOVERY
      : OTHER_WELL_KNOWN;
  for (const { endpoint, exact, below } of ENDPOINTS) {
    if (!url.startsWith(endpoint, slash)) continue;
    const after = slash + endpoint.length;
    if (after === end) return exact;
    if (url.charCodeAt(after) === 47) return below;
  }
  return OTHER;
}
