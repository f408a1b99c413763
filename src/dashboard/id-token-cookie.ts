import type { WardenContext } from '../context.ts';
import { cookie, readCookie, secureCookies } from '../http/cookies.ts';
import { SESSION_TTL_MS } from '../relying-party/sessions.ts';
import { SecretBox } from '../security/secret-box.ts';

/**
 * The ID token of a dashboard session, kept for one use: the `id_token_hint` of the RP-initiated
 * logout at sign-out (OIDC RP-Initiated Logout §2). It is read back, so it is sealed (STYLE 8),
 * bound to the session it came with (a token from another session does not open), and sent only
 * to the sign-out route.
 */
export const ID_TOKEN_COOKIE = 'warden_dashboard_idt';
export const SIGN_OUT_PATH = '/dashboard/sign-out';

/**
 * Each site that signs in through the dashboard's relying party keeps its session's ID token in a
 * cookie of its own, sent only to its own sign-out route: Partner Center's, and the customer admin
 * center's (src/admin-center/sign-in.ts), whose sign-out ends the customer authority's session too.
 */
const ID_TOKEN_COOKIES = {
  dashboard: { name: ID_TOKEN_COOKIE, path: SIGN_OUT_PATH },
  admin: { name: 'warden_admin_idt', path: '/admin/sign-out' },
} as const;
export type IdTokenSite = keyof typeof ID_TOKEN_COOKIES;

function box(ctx: WardenContext): SecretBox {
  return new SecretBox(ctx.config.masterKey, 'dashboard-id-token');
}

export function idTokenCookie(
  ctx: WardenContext,
  sessionIdHash: string,
  idToken: string,
  site: IdTokenSite = 'dashboard',
): string {
  const { name, path } = ID_TOKEN_COOKIES[site];
  return cookie(name, box(ctx).seal(idToken, `id-token:${sessionIdHash}`), {
    secure: secureCookies(ctx.config.baseUrl),
    maxAgeS: SESSION_TTL_MS / 1000,
    path,
  });
}

export function clearIdTokenCookie(ctx: WardenContext, site: IdTokenSite = 'dashboard'): string {
  const { name, path } = ID_TOKEN_COOKIES[site];
  return cookie(name, '', { secure: secureCookies(ctx.config.baseUrl), maxAgeS: 0, path });
}

/** The session's ID token, or undefined when the cookie is missing, altered or another session's. */
export function readIdToken(
  ctx: WardenContext,
  cookieHeader: string | undefined,
  sessionIdHash: string,
  site: IdTokenSite = 'dashboard',
): string | undefined {
  const sealed = readCookie(cookieHeader, ID_TOKEN_COOKIES[site].name);
  if (!sealed || sealed.length > 8192) return undefined;
  try {
    return box(ctx).open(sealed, `id-token:${sessionIdHash}`);
  } catch {
    return undefined;
  }
}
