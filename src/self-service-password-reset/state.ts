import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { WardenContext } from '../context.ts';
import { cookie, readCookie, secureCookies } from '../http/cookies.ts';

/**
 * The state of one self-service password reset (issue 15 item 5), kept in a sealed cookie (no
 * schema change): HttpOnly, SameSite=Strict, Secure under https, only on `/{tenant}/sspr`, sealed
 * with `ctx.secrets` for that tenant, and expiring after 15 minutes on Warden's clock.
 */
const COOKIE = 'warden_sspr';
const LIFETIME_MS = 15 * 60_000;

export type ResetMethod = 'totp' | 'recoveryCode';
export const RESET_METHODS: readonly ResetMethod[] = ['totp', 'recoveryCode'];

export interface ResetState {
  tenantId: string;
  /** The account's id, or a random decoy for an unknown, disabled or password-less account. */
  userId?: string;
  upn?: string;
  /**
   * The fingerprint of the password the account had when the reset began (a real account only;
   * absent for a decoy): the reset succeeds only while it is still the account's password, so a
   * copy of a finished reset's cookie sets nothing again (security review).
   */
  passwordFingerprint?: string;
  proven: ResetMethod[];
  csrf: string;
  expiresAt: number;
}

export function newResetState(tenantId: string, now: number): ResetState {
  return { tenantId, proven: [], csrf: randomBytes(24).toString('base64url'), expiresAt: now + LIFETIME_MS };
}

/** The state the request's cookie carries for this tenant, unless missing, forged or expired. */
export function openResetState(
  ctx: WardenContext,
  req: FastifyRequest,
  tenantId: string,
  now: number,
): ResetState | undefined {
  const sealed = readCookie(req.headers.cookie, COOKIE);
  if (!sealed) return undefined;
  try {
    const state = JSON.parse(ctx.secrets.open(sealed, `sspr:${tenantId}`)) as ResetState;
    return state.tenantId === tenantId && state.expiresAt > now ? state : undefined;
  } catch {
    return undefined;
  }
}

/** The Set-Cookie that keeps `state`; without one, the Set-Cookie that ends the reset. */
export function resetStateCookie(ctx: WardenContext, tenantId: string, state?: ResetState): string {
  return cookie(COOKIE, state ? ctx.secrets.seal(JSON.stringify(state), `sspr:${tenantId}`) : '', {
    path: `/${encodeURIComponent(tenantId)}/sspr`,
    sameSite: 'Strict',
    secure: secureCookies(ctx.config.baseUrl),
    maxAgeS: state ? LIFETIME_MS / 1000 : 0,
  });
}
