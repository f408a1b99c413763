import { randomUUID } from 'node:crypto';
import { decodeJwt, exportJWK, generateKeyPair, importJWK, type JWTPayload, SignJWT } from 'jose';
import { PARTNER_API } from '../../src/tokens/audiences.ts';
import { loadSigningKeys } from '../../src/tokens/signing-keys.ts';
import type { TestWarden } from './harness.ts';
import { completeSecondStep, redeem, startAuthorization } from './oidc.ts';
import { UserAgent } from './user-agent.ts';

/** What a Partner API call answered: status, reason phrase, headers and the parsed JSON body. */
export interface ApiResponse {
  status: number;
  statusText: string;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read response fields freely
  body: any;
}

/** One Partner API request with an optional bearer token and JSON body. */
export async function callApi(
  w: TestWarden,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${w.baseUrl}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
    body: text ? JSON.parse(text) : undefined,
  };
}

/** A demo client by its client id alias (`contoso-automation`) or its application id (GUID). */
export function demoClient(
  w: TestWarden,
  idOrAlias: string,
): TestWarden['demo']['clients'][string] | undefined {
  return w.demo.clients[idOrAlias] ?? Object.values(w.demo.clients).find((c) => c.clientId === idOrAlias);
}

/** An app-only token (RFC 6749 §4.4 client credentials) for the Partner API. */
export async function appOnlyToken(
  w: TestWarden,
  clientId = 'contoso-automation',
  clientSecret = demoClient(w, clientId)?.clientSecret,
  tenantKey = 'contoso',
  scope = `${PARTNER_API}/.default`,
): Promise<string> {
  const response = await fetch(`${w.baseUrl}/${w.demo.tenants[tenantKey]!.id}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret ?? '',
      scope,
    }),
  });
  const json = (await response.json()) as { access_token?: string };
  if (!json.access_token) throw new Error(`no app-only token for ${clientId}: ${JSON.stringify(json)}`);
  return json.access_token;
}

/**
 * An App+User access token through the interactive sign-in pages (warden-cli). A user with a
 * TOTP seed in the demo data proves it; a user without one registers an authenticator on the way
 * (SPEC §8), which also ends with `mfa`. A user no policy asks MFA of (John) signs in with the
 * password alone and gets `amr: ["pwd"]`.
 */
export async function userToken(w: TestWarden, upn: string, scope?: string): Promise<string> {
  const tenantKey = upn.split('@')[1]!.split('.')[0]!;
  const start = await startAuthorization(w, tenantKey, scope ? { scope } : {});
  const ua = new UserAgent();
  await ua.navigate(start.url);
  const password = await ua.submit('password', { username: upn, password: w.demo.password });
  const { at } = await completeSecondStep(w, ua, { at: password, upn, mfa: true });
  const tokens = await redeem(start, at);
  return tokens.access_token;
}

/** The issuer's active private signing key, to forge tokens exactly as Warden would sign them. */
export async function activeSigningKey(w: TestWarden) {
  const { keys } = await loadSigningKeys(w.ctx.db, w.ctx.keyBox);
  const jwk = keys[0]!;
  return { kid: jwk.kid!, jwk, key: await importJWK(jwk, 'RS256') };
}

/** A fresh RSA key no issuer publishes. */
export async function strangerKey() {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { kid: randomUUID(), key: privateKey, publicJwk: await exportJWK(publicKey) };
}

/**
 * The claims of a valid App+User token of `upn` (what Warden issues for Jane after MFA), for
 * tampering one at a time: a test changes one thing and the rest stays valid.
 */
export function userClaims(w: TestWarden, upn: string, overrides: JWTPayload = {}): JWTPayload {
  const user = w.demo.users[upn]!;
  const nowS = Math.floor(w.clock.now() / 1000);
  return {
    iss: `${w.baseUrl}/${user.tenant}/v2.0`,
    aud: PARTNER_API,
    sub: user.id,
    oid: user.id,
    tid: user.tenant,
    upn,
    idtyp: 'user',
    scp: 'user_impersonation',
    amr: ['pwd', 'otp', 'mfa'],
    appid: w.demo.clients['warden-cli']!.clientId,
    azp: w.demo.clients['warden-cli']!.clientId,
    ver: '2.0',
    iat: nowS,
    nbf: nowS,
    exp: nowS + 3600,
    ...overrides,
  };
}

/**
 * Signs claims as an access token of Warden's Entra-shaped resources (header `typ: JWT`,
 * src/tokens/audiences.ts) with the given key (the issuer's own unless told).
 */
export async function sign(
  w: TestWarden,
  claims: JWTPayload,
  with_?: { kid: string; key: CryptoKey | Uint8Array; alg?: string },
): Promise<string> {
  const signer: { kid: string; key: CryptoKey | Uint8Array; alg?: string } =
    with_ ?? (await activeSigningKey(w));
  return new SignJWT(claims)
    .setProtectedHeader({ alg: signer.alg ?? 'RS256', kid: signer.kid, typ: 'JWT' })
    .sign(signer.key);
}

/** Seconds since the epoch at which a token expires. */
export function expiryOf(token: string): number {
  return decodeJwt(token).exp!;
}
