import type { WardenContext } from '../context.ts';
import { SecretBox } from '../security/secret-box.ts';
import { cookie, readCookie, secureCookies } from './cookies.ts';
import { SESSION_TTL_MS } from './sessions.ts';

/**
 * The ID token of a dashboard session, kept for one use: the `id_token_hint` of the RP-initiated
 * logout at sign-out (OIDC RP-Initiated Logout §2). It is read back, so it is sealed (STYLE 8),
 * bound to the session it came with (a token from another session does not open), and sent only
 * to the sign-out route.
 */
export const ID_TOKEN_COOKIE = 'warden_dashboard_idt';
export const SIGN_OUT_PATH = '/dashboard/sign-out';

function box(ctx: WardenContext): SecretBox {
  return new SecretBox(ctx.config.masterKey, 'dashboard-id-token');
}

export function idTokenCookie(ctx: WardenContext, sessionIdHash: string, idToken: string): string {
  return cookie(ID_TOKEN_COOKIE, box(ctx).seal(idToken, `id-token:${sessionIdHash}`), {
    secure: secureCookies(ctx.config.baseUrl),
    maxAgeS: SESSION_TTL_MS / 1000,
    path: SIGN_OUT_PATH,
  });
}

export function clearIdTokenCookie(ctx: WardenContext): string {
  return cookie(ID_TOKEN_COOKIE, '', {
    secure: secureCookies(ctx.config.baseUrl),
    maxAgeS: 0,
    path: SIGN_OUT_PATH,
  });
}

/** The session's ID token, or undefined when the cookie is missing, altered or another session's. */
export function readIdToken(
  ctx: WardenContext,
  cookieHeader: string | undefined,
  sessionIdHash: string,
): string | undefined {
  const sealed = readCookie(cookieHeader, ID_TOKEN_COOKIE);
  if (!sealed || sealed.length > 8192) return undefined;
  try {
    return box(ctx).open(sealed, `id-token:${sessionIdHash}`);
  } catch {
    return undefined;
  }
}
