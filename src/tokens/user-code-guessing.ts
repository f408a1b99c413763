import { deviceLockedPage } from '../authority-pages/device-pages.ts';
import type { Clock } from '../clock.ts';
import type { Tenant } from '../directory/tenants.ts';
import { PLATFORM_SCOPE, type Throttle, type ThrottleRule } from '../security/throttle.ts';
import { AUTHORITY_ROUTES } from './authority-urls.ts';
import type { ProviderMiddleware } from './device-polling.ts';

/**
 * RFC 8628 §5.1: user codes are short, so guessing them is rate-limited. Counted per source
 * address across tenants (like password spraying), before the code is looked up (Throttle.begin),
 * so parallel guesses cannot outrun the count; a code that exists gives its slot back.
 */
export const USER_CODE_GUESSES: ThrottleRule = {
  threshold: 10,
  baseLockMs: 300_000,
  maxLockMs: 6 * 3_600_000,
};

export function userCodeGuessing(throttle: Throttle, clock: Clock, tenant: Tenant): ProviderMiddleware {
  return async (ctx, next) => {
    if (ctx.method !== 'POST' || !isCodeVerification(ctx.path)) return next();
    const key = `device:ip:${ctx.ip}`;
    const now = clock.now();
    const lockedUntil = await throttle.begin(PLATFORM_SCOPE, key, USER_CODE_GUESSES, now);
    if (lockedUntil) {
      ctx.status = 429;
      ctx.set('Retry-After', String(Math.ceil((lockedUntil - now) / 1000)));
      ctx.type = 'html';
      ctx.body = deviceLockedPage({
        tenantName: tenant.display_name,
        retryAfterMinutes: Math.max(1, Math.ceil((lockedUntil - now) / 60_000)),
      });
      return;
    }
    await next();
    // Set by the code page when it is shown again because no device code has the code typed.
    if (!ctx.state.wardenUserCodeGuessFailed) await throttle.release(PLATFORM_SCOPE, key);
  };
}

/**
 * Whether a path reaches the code page's handler. oidc-provider's router ignores case and a
 * trailing slash, so the count must too, or `/DEVICEAUTH/` would guess without limit; a path
 * that cannot be decoded is counted (fail closed).
 */
function isCodeVerification(path: string): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return true;
  }
  const normal = decoded
    .toLowerCase()
    .replace(/\/{2,}/g, '/')
    .replace(/\/+$/, '');
  return normal === AUTHORITY_ROUTES.code_verification.toLowerCase();
}
