import type { FastifyRequest } from 'fastify';
import { FRESH_MFA_MS, type SessionProof } from '../authentication-methods/manage.ts';
import type { WardenContext } from '../context.ts';
import { cookie, readCookie, secureCookies } from '../http/cookies.ts';
import type { DashboardSession, DashboardSessions } from '../relying-party/sessions.ts';

/** The page's own session cookie (the store is the first-party sites' one: relying-party/sessions.ts). */
export const SESSION_COOKIE = 'warden_security_info';
/** A Security info session is short: every change needs a fresh MFA anyway. */
export const SESSION_TTL_MS = 60 * 60 * 1000;
/** Issue 15 item 3: adding a passkey needs an MFA at most 5 minutes old (the other changes 10). */
export const FRESH_MFA_PASSKEY_MS = 5 * 60 * 1000;

/** The signed-in session of this request for `tenantId`, or undefined (none, expired, another tenant's). */
export async function sessionOf(
  ctx: WardenContext,
  sessions: DashboardSessions,
  req: FastifyRequest,
  tenantId: string,
): Promise<DashboardSession | undefined> {
  const session = await sessions.find(
    readCookie(req.headers.cookie, SESSION_COOKIE),
    'security-info',
    ctx.clock.now(),
  );
  return session?.tenantId === tenantId ? session : undefined;
}

/** Whether the session's MFA is fresh enough for a change: `amr` holds `mfa`, `auth_time` within the window. */
export function isFresh(session: DashboardSession, now: number, windowMs = FRESH_MFA_MS): boolean {
  return session.mfa && now - session.authTime <= windowMs;
}

export function proofOf(session: DashboardSession): SessionProof {
  return { amr: session.amr, authTime: session.authTime };
}

export function sessionCookie(ctx: WardenContext, value: string): string {
  return cookie(SESSION_COOKIE, value, {
    secure: secureCookies(ctx.config.baseUrl),
    maxAgeS: value ? SESSION_TTL_MS / 1000 : 0,
  });
}
