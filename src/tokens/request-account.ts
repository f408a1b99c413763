import type { KoaContextWithOIDC } from 'oidc-provider';

/**
 * The account a protocol request is for, where oidc-provider has one: the code, refresh token or
 * device code being redeemed at the token endpoint, else the signed-in session (authorization).
 * Undefined for client credentials, and for an authorization request before sign-in.
 */
export function accountIdOfRequest(ctx: KoaContextWithOIDC): string | undefined {
  const entities = ctx.oidc.entities as Record<string, { accountId?: unknown } | undefined>;
  for (const kind of [
    'AuthorizationCode',
    'RefreshToken',
    'DeviceCode',
    'BackchannelAuthenticationRequest',
  ]) {
    const accountId = entities[kind]?.accountId;
    if (typeof accountId === 'string') return accountId;
  }
  const sessionAccount = ctx.oidc.session?.accountId;
  return typeof sessionAccount === 'string' ? sessionAccount : undefined;
}
