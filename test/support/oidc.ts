import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { totpFor } from '../../src/authentication-methods/totp.ts';
import type { TestWarden } from './harness.ts';
import { UserAgent } from './user-agent.ts';

export const REDIRECT_URI = 'http://localhost:53682/';
export const PARTNER_SCOPE = 'openid profile offline_access urn:warden:partner-api/user_impersonation';

/** openid-client, a relying party no one here wrote, configured by discovery against a tenant authority. */
export async function relyingParty(
  w: TestWarden,
  tenantKey: string,
  clientId = 'warden-cli',
): Promise<client.Configuration> {
  // ID tokens name the application id as `aud`: a demo client named by its alias signs in by its id.
  const appId = w.demo.clients[clientId]?.clientId ?? clientId;
  return client.discovery(new URL(w.issuer(tenantKey)), appId, undefined, client.None(), {
    execute: [client.allowInsecureRequests],
  });
}

export interface AuthorizationStart {
  config: client.Configuration;
  url: string;
  verifier: string;
  state: string;
}

export async function startAuthorization(
  w: TestWarden,
  tenantKey: string,
  extra: Record<string, string> = {},
): Promise<AuthorizationStart> {
  return authorizationRequest(await relyingParty(w, tenantKey), extra);
}

/** An authorization request of the partner scope with PKCE (S256) and a state, for any relying party's configuration. */
export async function authorizationRequest(
  config: client.Configuration,
  extra: Record<string, string> = {},
): Promise<AuthorizationStart> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: PARTNER_SCOPE,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...extra,
  });
  return { config, url: url.toString(), verifier, state };
}

export async function redeem(start: AuthorizationStart, callback: string) {
  return client.authorizationCodeGrant(
    start.config,
    new URL(callback),
    {
      pkceCodeVerifier: start.verifier,
      expectedState: start.state,
    },
    { redirect_uri: REDIRECT_URI },
  );
}

/** The code Jane's authenticator shows at the harness clock's time. */
export function totpCode(w: TestWarden, seed: string): string {
  return totpFor(seed).generate({ timestamp: w.clock.now() });
}

/** A code at a fresh step of the harness clock (RFC 6238 §5.2: each code is accepted once). */
export function freshCode(w: TestWarden, seed: string): string {
  w.clock.advance(30_000);
  return totpCode(w, seed);
}

/**
 * Finishes a sign-in after the password page, as its policy asks: the second factor (with the
 * demo seed of `upn`), or registration — taken when offered only if `mfa` is wanted, required or
 * not. Returns where the sign-in ended (`at`) and the user's TOTP seed.
 */
export async function completeSecondStep(
  w: TestWarden,
  ua: UserAgent,
  input: { at: string; upn: string; mfa: boolean },
): Promise<{ at: string; seed: string | undefined }> {
  let at = input.at;
  let seed = w.demo.users[input.upn]?.totpSeed;
  if (ua.step() === 'second_factor') {
    if (!seed) throw new Error(`a second factor is asked of ${input.upn}, whose seed the test does not know`);
    return { at: await ua.submit('totp', { code: freshCode(w, seed) }), seed };
  }
  if (ua.step() === 'register_offer') {
    if (!input.mfa) return { at: await ua.submit('skip_registration'), seed };
    at = await ua.submit('begin_registration');
  }
  if (ua.step() === 'register_method') {
    seed = (/class="secret" aria-label="Secret key">([^<]+)</.exec(ua.lastPage)?.[1] ?? '').replace(
      /\s+/g,
      '',
    );
    await ua.submit('confirm_totp', { code: freshCode(w, seed) });
    at = await ua.submit('continue');
  }
  return { at, seed };
}

/** Password (+ TOTP when asked) through the sign-in pages; returns the callback URL. */
export async function signIn(
  w: TestWarden,
  start: AuthorizationStart,
  who: { upn: string; password?: string; totpSeed?: string },
  ua = new UserAgent(),
): Promise<{ ua: UserAgent; callback: string }> {
  await ua.navigate(start.url);
  let at = await ua.submit('password', { username: who.upn, password: who.password ?? w.demo.password });
  if (ua.step() === 'second_factor' && who.totpSeed) {
    at = await ua.submit('totp', { code: freshCode(w, who.totpSeed) });
  }
  return { ua, callback: at };
}

export async function verifyWithJwks(
  w: TestWarden,
  tenantKey: string,
  token: string,
  audience?: string,
): Promise<JWTPayload> {
  const jwks = createRemoteJWKSet(
    new URL(`${w.baseUrl}/${w.demo.tenants[tenantKey]!.id}/discovery/v2.0/keys`),
  );
  const { payload } = await jwtVerify(token, jwks, {
    issuer: w.issuer(tenantKey),
    ...(audience ? { audience } : {}),
  });
  return payload;
}
