/**
 * The Secure Application Model (reference §3.1) with `openid-client` v6, the generic OpenID
 * Connect library: one interactive consent with MFA (authorization code + PKCE), then every run
 * from the kept refresh token alone — a Partner API call at the partner's authority, a Graph call
 * at each customer's authority (admin on behalf of, GDAP), each from that tenant's own discovered
 * configuration (its issuer and token endpoint).
 *
 * What openid-client needs to talk to Warden: the issuer `https://<warden>/<tenant id>/v2.0` (by
 * id: discovery answers with the id-based issuer, and OIDC Discovery §4.3 has the client refuse
 * an issuer other than the one it asked for, as with Entra's `/{tenantid}/v2.0`), Warden's
 * resource scopes (`urn:warden:partner-api/…`, `urn:warden:graph/…`), and, for a Warden on plain
 * http (a laptop, not production), `allowInsecureRequests`. Nothing else is Warden-specific.
 *
 * MFA at consent: `requireMfa` adds OIDC's standard `claims` request for Warden's MFA `acr`
 * (OIDC Core §5.5), an ordinary authorization parameter for openid-client.
 *
 * Run directly: `node examples/sam/openid-client.ts consent|run` with WARDEN_BASE_URL,
 * SAM_CLIENT_ID, SAM_CLIENT_SECRET, SAM_PARTNER_TENANT, SAM_CUSTOMER_TENANTS (comma-separated),
 * SAM_STORE_FILE (the refresh token, written 0600), and optionally SAM_LOGIN_HINT, SAM_REQUIRE_MFA=1.
 */
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import * as client from 'openid-client';

export interface SamOidcConfig {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** The partner's tenant id (its authority serves the Partner API). */
  partnerTenant: string;
  /** Customers' tenant ids, each reached at its own authority for Graph. */
  customerTenants: string[];
  /** The file the refresh token is kept in, mode 0600 (SAM: a vault secret). */
  storeFile: string;
  loginHint?: string;
  requireMfa?: boolean;
}

export interface SamCall {
  tenant: string;
  accessToken: string;
  status: number;
  body: unknown;
}

export const PARTNER_API_SCOPE = 'urn:warden:partner-api/user_impersonation';
export const GRAPH_SCOPE = 'urn:warden:graph/Directory.AccessAsUser.All';
const MFA_ACR = 'urn:warden:acr:mfa';

/** The tenant's configuration, from its own discovery document (RFC 8414 / OIDC Discovery). */
async function discover(config: SamOidcConfig, tenant: string): Promise<client.Configuration> {
  const issuer = new URL(`${config.baseUrl.replace(/\/$/, '')}/${tenant}/v2.0`);
  return client.discovery(
    issuer,
    config.clientId,
    undefined,
    client.ClientSecretPost(config.clientSecret),
    issuer.protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : undefined,
  );
}

export async function storedRefreshToken(config: SamOidcConfig): Promise<string> {
  return (await readFile(config.storeFile, 'utf8')).trim();
}

async function keep(config: SamOidcConfig, refreshToken: string | undefined): Promise<void> {
  if (!refreshToken) throw new Error('the authority returned no refresh token');
  await writeFile(config.storeFile, refreshToken, { mode: 0o600 });
  await chmod(config.storeFile, 0o600);
}

/** Waits on a loopback port for the authorization response (RFC 8252 §7.3). */
async function loopbackListener() {
  let resolve!: (url: URL) => void;
  const received = new Promise<URL>((r) => {
    resolve = r;
  });
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', `http://localhost:${(server.address() as AddressInfo).port}`);
    if (!url.searchParams.has('code') && !url.searchParams.has('error')) {
      response.writeHead(404).end();
      return;
    }
    response
      .writeHead(200, { 'content-type': 'text/plain' })
      .end('Consent received. You can close this window.');
    resolve(url);
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;
  return { redirectUri: `http://localhost:${port}/`, received, close: () => server.close() };
}

/**
 * The one interactive step: the integration user signs in with MFA at the partner's authority;
 * the code is redeemed with the app's secret and PKCE verifier, and the refresh token kept.
 * Returns the id token's claims.
 */
export async function consent(
  config: SamOidcConfig,
  openBrowser: (url: string) => Promise<void>,
): Promise<client.IDToken> {
  const oidc = await discover(config, config.partnerTenant);
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const listener = await loopbackListener();
  try {
    const url = client.buildAuthorizationUrl(oidc, {
      redirect_uri: listener.redirectUri,
      scope: `openid profile offline_access ${PARTNER_API_SCOPE} ${GRAPH_SCOPE}`,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      ...(config.loginHint ? { login_hint: config.loginHint } : {}),
      ...(config.requireMfa
        ? { claims: JSON.stringify({ id_token: { acr: { essential: true, values: [MFA_ACR] } } }) }
        : {}),
    });
    const [callback] = await Promise.all([listener.received, openBrowser(url.toString())]);
    const tokens = await client.authorizationCodeGrant(
      oidc,
      callback,
      { pkceCodeVerifier: verifier, expectedState: state, idTokenExpected: true },
      { redirect_uri: listener.redirectUri },
    );
    await keep(config, tokens.refresh_token);
    const claims = tokens.claims();
    if (!claims) throw new Error('the authority returned no id token');
    return claims;
  } finally {
    listener.close();
  }
}

async function call(url: string, accessToken: string) {
  const response = await fetch(url, { headers: { authorization: `Bearer ${accessToken}` } });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/**
 * One run from the kept refresh token alone. Each redemption returns the chain's next refresh
 * token, kept at once (the one sent is used up; a replay of it would revoke the chain).
 */
export async function run(config: SamOidcConfig): Promise<SamCall[]> {
  const base = config.baseUrl.replace(/\/$/, '');
  const targets = [
    { tenant: config.partnerTenant, scope: PARTNER_API_SCOPE, url: `${base}/v1/customers?size=20` },
    ...config.customerTenants.map((tenant) => ({
      tenant,
      scope: GRAPH_SCOPE,
      url: `${base}/v1.0/users?$top=5`,
    })),
  ];
  const calls: SamCall[] = [];
  for (const target of targets) {
    const oidc = await discover(config, target.tenant);
    const tokens = await client.refreshTokenGrant(oidc, await storedRefreshToken(config), {
      scope: `openid ${target.scope}`,
    });
    await keep(config, tokens.refresh_token);
    calls.push({
      tenant: target.tenant,
      accessToken: tokens.access_token,
      ...(await call(target.url, tokens.access_token)),
    });
  }
  return calls;
}

function configFromEnv(): SamOidcConfig {
  const need = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set`);
    return value;
  };
  return {
    baseUrl: need('WARDEN_BASE_URL'),
    clientId: need('SAM_CLIENT_ID'),
    clientSecret: need('SAM_CLIENT_SECRET'),
    partnerTenant: need('SAM_PARTNER_TENANT'),
    customerTenants: (process.env.SAM_CUSTOMER_TENANTS ?? '').split(',').filter(Boolean),
    storeFile: need('SAM_STORE_FILE'),
    ...(process.env.SAM_LOGIN_HINT ? { loginHint: process.env.SAM_LOGIN_HINT } : {}),
    requireMfa: process.env.SAM_REQUIRE_MFA === '1',
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const config = configFromEnv();
  if (process.argv[2] === 'consent') {
    const claims = await consent(config, async (url) => {
      process.stderr.write(`Open this URL in a browser and sign in with MFA:\n${url}\n`);
    });
    process.stdout.write(
      `Consented as ${String(claims.preferred_username)}; refresh token kept in ${config.storeFile}\n`,
    );
  } else if (process.argv[2] === 'run') {
    for (const c of await run(config)) process.stdout.write(`${c.tenant}: ${c.status}\n`);
  } else {
    process.stderr.write('usage: node examples/sam/openid-client.ts consent|run\n');
    process.exitCode = 2;
  }
}
