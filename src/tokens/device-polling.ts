import type Provider from 'oidc-provider';
import type { Db } from '../storage/database.ts';
import { DEVICE_CODE_GRANT } from './device-flow.ts';
import { KyselyOidcAdapter } from './oidc-adapter.ts';

/** RFC 8628 §3.2: the minimum seconds between two polls (also its default when none is given). */
export const POLL_INTERVAL_SECONDS = 5;
/** Timers and request latency make a well-behaved client's gap a little uneven; this much is forgiven. */
const LEEWAY_MS = 500;

export type ProviderMiddleware = Parameters<Provider['use']>[0];

/**
 * RFC 8628 §3.2 and §3.5 around oidc-provider's device flow, as pre/post middleware (no fork):
 * the device authorization response names its `interval` (and, as Entra's, a `message`), and a device that polls again before
 * the interval is over is answered `slow_down` instead of `authorization_pending`. The time of
 * each poll, answered or not, is kept with the device code's lifetime, under the code's hash.
 * Time is read from Date.now, the clock oidc-provider expires device codes by.
 */
export function devicePolling(db: Db, tenantId: string, deviceCodeTtlSeconds: number): ProviderMiddleware {
  const polls = new KyselyOidcAdapter(db, tenantId, 'DeviceCodePoll');
  return async (ctx, next) => {
    const received = Date.now();
    await next();
    const oidc = (ctx as { oidc?: { route?: string; params?: Record<string, unknown> } }).oidc;
    const body = ctx.body as Record<string, unknown> | undefined;
    if (oidc?.route === 'device_authorization' && typeof body?.device_code === 'string') {
      body.interval = POLL_INTERVAL_SECONDS;
      // Entra's device code response also carries the sentence to show; MSAL hands it to apps as is.
      body.message = `To sign in, use a web browser to open the page ${body.verification_uri} and enter the code ${body.user_code} to authenticate.`;
      return;
    }
    if (
      oidc?.route !== 'token' ||
      oidc.params?.grant_type !== DEVICE_CODE_GRANT ||
      body?.error !== 'authorization_pending'
    )
      return;
    const deviceCode = String(oidc.params.device_code);
    const last = (await polls.find(deviceCode))?.at;
    await polls.upsert(deviceCode, { at: received }, deviceCodeTtlSeconds);
    if (typeof last === 'number' && received - last < POLL_INTERVAL_SECONDS * 1000 - LEEWAY_MS) {
      ctx.body = {
        error: 'slow_down',
        error_description: `polling too quickly: wait at least ${POLL_INTERVAL_SECONDS + 5} seconds between requests`,
      };
    }
  };
}
