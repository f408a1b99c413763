import type { KoaContextWithOIDC } from 'oidc-provider';
import type { ProviderMiddleware } from './device-polling.ts';
import type { WardenAccount } from './token-claims.ts';

/**
 * Entra's `client_info` (reference §3.1: MSAL sends `client_info=1` on every token request): the
 * user's home account — `uid` the user's object id, `utid` its home tenant — base64url JSON in
 * the token response. MSAL keys its cache on it. Without it MSAL falls back to the ID token's
 * `sub`, which at a customer's authority is another account (`sp:{home}:{user}`), so its cache
 * could not follow one refresh-token chain from the partner's authority to its customers'
 * (tokens/chain-across-authorities.ts): it kept the used-up token and replayed it.
 */
export function clientInfo(): ProviderMiddleware {
  return async (ctx, next) => {
    await next();
    const oidc = ctx.oidc as KoaContextWithOIDC['oidc'] | undefined;
    if (oidc?.route !== 'token' || ctx.status !== 200) return;
    if ((oidc.body as Record<string, unknown> | undefined)?.client_info !== '1') return;
    const account = oidc.entities.Account as unknown as WardenAccount | undefined;
    const body = ctx.body as Record<string, unknown> | undefined;
    if (!account || !body || typeof body.access_token !== 'string') return;
    body.client_info = Buffer.from(
      JSON.stringify({ uid: account.user.id, utid: account.user.tenantId }),
    ).toString('base64url');
  };
}
