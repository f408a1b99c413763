import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import { NotSignedInError, RefusedError } from '../errors.ts';
import { note } from '../output.ts';
import { type Authority, authorityOf } from './authority.ts';
import { oauthFailure, type Tokens } from './sign-in.ts';
import type { StoredSession, TokenCache } from './token-cache.ts';

export const GRAPH = 'urn:warden:graph';
export const PARTNER_API = 'urn:warden:partner-api';

/** A cached access token is used only while it has at least this long to live. */
const EXPIRY_MARGIN_MS = 2 * 60_000;

export function loginHint(tenant: string | undefined, server: string, defaultServer: boolean): string {
  return `Run: warden login${tenant ? ` --tenant ${tenant}` : ' --tenant <domain>'}${defaultServer ? '' : ` --server ${server}`}`;
}

/** An access token's audience and expiry, read (not verified) to file it in the cache. */
function filed(token: string): { audience: string; expiresAt: number } {
  const claims = decodeJwt(token);
  const audience = Array.isArray(claims.aud) ? claims.aud[0] : claims.aud;
  return { audience: audience ?? '', expiresAt: (claims.exp ?? 0) * 1000 };
}

/** The session a sign-in's tokens make: the user and MFA proof from the (verified) ID token. */
export function sessionFromSignIn(
  authority: Authority,
  tenantName: string,
  tokens: Tokens,
  now = Date.now(),
): StoredSession {
  const id = tokens.claims();
  if (!id) throw new RefusedError('The server returned no ID token; the sign-in cannot be used.');
  const session: StoredSession = {
    server: authority.server,
    tenantId: authority.tenantId,
    tenantName: tenantName.toLowerCase(),
    issuer: authority.issuer,
    clientId: authority.config.clientMetadata().client_id,
    user: {
      oid: String(id.oid ?? id.sub),
      upn: String(id.upn ?? id.preferred_username ?? id.sub),
      ...(typeof id.name === 'string' ? { name: id.name } : {}),
    },
    amr: Array.isArray(id.amr) ? id.amr.map(String) : [],
    ...(typeof id.auth_time === 'number' ? { authTime: id.auth_time } : {}),
    ...(tokens.refresh_token ? { refreshToken: tokens.refresh_token } : {}),
    accessTokens: {},
    signedInAt: now,
  };
  if (tokens.access_token) {
    const { audience, expiresAt } = filed(tokens.access_token);
    session.accessTokens[audience] = { token: tokens.access_token, expiresAt };
  }
  return session;
}

/**
 * An access token for `resource` (its audience): the cached one while it has time left, else a new
 * one from the refresh token (`scope={resource}/.default`; one refresh token serves both APIs).
 * The refresh token rotates on every use, so the new one is stored at once.
 */
export async function accessTokenFor(
  cache: TokenCache,
  session: StoredSession,
  resource: string,
  hint: string,
  now = Date.now(),
): Promise<string> {
  const usable = (s: StoredSession) => {
    const cached = s.accessTokens[resource];
    return cached && cached.expiresAt - now > EXPIRY_MARGIN_MS ? cached.token : undefined;
  };
  const cached = usable(session);
  if (cached) return cached;
  return cache.locked(
    async () => {
      // Another warden process may have refreshed while this one waited for the lock.
      const current = cache.get(session.server, session.tenantId);
      if (!current) throw new NotSignedInError(`Signed out of ${session.tenantName} meanwhile.`, hint);
      return usable(current) ?? (await refresh(cache, current, resource, hint));
    },
    () => note('Another warden process is refreshing the tokens; waiting for it…'),
  );
}

/** One refresh (RFC 6749 §6) for `resource`; the caller holds the cache lock. */
async function refresh(
  cache: TokenCache,
  session: StoredSession,
  resource: string,
  hint: string,
): Promise<string> {
  if (!session.refreshToken) {
    throw new NotSignedInError(
      `The sign-in to ${session.tenantName} as ${session.user.upn} has no usable token left.`,
      hint,
    );
  }
  const authority = await authorityOf(session.server, session.issuer, session.clientId);
  let tokens: Tokens;
  try {
    tokens = await client.refreshTokenGrant(authority.config, session.refreshToken, {
      scope: `${resource}/.default`,
    });
  } catch (error) {
    if ((error as { error?: string }).error === 'invalid_grant') {
      // Expired, revoked, replayed, or MFA now required of a chain without it: only a new sign-in helps.
      delete session.refreshToken;
      session.accessTokens = {};
      cache.put(session);
      throw new NotSignedInError(
        `The sign-in to ${session.tenantName} as ${session.user.upn} has expired or was revoked.`,
        hint,
      );
    }
    throw oauthFailure(authority, error);
  }
  if (tokens.refresh_token) session.refreshToken = tokens.refresh_token;
  const { audience, expiresAt } = filed(tokens.access_token);
  session.accessTokens[audience] = { token: tokens.access_token, expiresAt };
  cache.put(session);
  if (audience !== resource) {
    throw new RefusedError(
      `The server issued a token for ${audience || 'no audience'} when ${resource} was asked for.`,
    );
  }
  return tokens.access_token;
}
