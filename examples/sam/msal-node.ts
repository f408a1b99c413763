/**
 * A partner's Secure Application Model automation written with Microsoft's own library,
 * `@azure/msal-node`, as it would be against Entra (reference §3.1): one interactive consent with
 * MFA, then every run from the stored refresh token alone: a Partner API call at the partner's
 * authority and a Graph call at each customer's authority (admin on behalf of, GDAP).
 *
 * What MSAL needs to talk to Warden rather than login.microsoftonline.com, and nothing more:
 * - the authority is `https://<warden>/<tenant id>`, its host in `knownAuthorities`, and
 *   `protocolMode: OIDC` (MSAL then reads the tenant's OpenID configuration instead of Entra's
 *   instance discovery); MSAL insists on https, so Warden serves TLS (README "HTTPS", and
 *   NODE_EXTRA_CA_CERTS for a self-signed certificate);
 * - the scopes are Warden's resource names (`urn:warden:partner-api/…`, `urn:warden:graph/…`)
 *   instead of `https://api.partnercenter.microsoft.com/…` and `https://graph.microsoft.com/…`;
 * - tenants are named by id (`/{CSPTenantId}`, and each customer's id as the Partner API lists it,
 *   as SAM guidance writes them), not by domain: in `protocolMode: OIDC` MSAL keeps one OpenID
 *   configuration per host and reaches another tenant by swapping the authority's path segment
 *   into that configuration's token endpoint. Warden's endpoints carry the tenant id, so with a
 *   domain authority nothing matches and the redemption goes, silently, to the first tenant's
 *   token endpoint (Entra's own mode, not available here, maps domains to ids first). The script
 *   also checks the tenant of every token MSAL returns;
 * - nothing else: Warden answers MSAL's `client_info=1` with Entra's `client_info` (`uid.utid`, the
 *   user's home account), so MSAL's cache holds one account and one refresh token that follow the
 *   chain from the partner's authority to its customers' and back.
 *
 * MFA at consent: `requireMfa` sends the OIDC `claims` request for Warden's MFA `acr` through
 * MSAL's own `claims` option (OIDC Core §5.5) — the standard way MSAL offers to ask for it.
 *
 * Two ways to keep the refresh token between runs, both MSAL's own:
 * - `store: 'cache'` — MSAL's token cache in a file (ICachePlugin), each run `acquireTokenSilent`
 *   with `forceRefresh` (the refresh token is redeemed every run, which keeps the chain alive);
 * - `store: 'refresh-token'` — only the refresh token, as SAM guidance says to keep it in a vault
 *   secret; each run `acquireTokenByRefreshToken`, and the replacement MSAL receives is read back
 *   from its in-memory cache and written over the old one (the old one is used up: Warden, like
 *   Entra, rotates, and a replay revokes the chain).
 *
 * Run directly: `node examples/sam/msal-node.ts consent|run` with WARDEN_BASE_URL, SAM_CLIENT_ID,
 * SAM_CLIENT_SECRET, SAM_PARTNER_TENANT, SAM_CUSTOMER_TENANTS (comma-separated), SAM_STORE_FILE and
 * optionally SAM_STORE (`refresh-token`, the default, or `cache`), SAM_LOGIN_HINT, SAM_REQUIRE_MFA=1.
 */
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  type AccountInfo,
  ConfidentialClientApplication,
  CryptoProvider,
  type ICachePlugin,
  LogLevel,
  ProtocolMode,
  type TokenCacheContext,
} from '@azure/msal-node';

export interface SamMsalConfig {
  /** Warden's base URL, https (e.g. `https://localhost:8443`). */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** The partner's tenant id (its authority serves the Partner API). */
  partnerTenant: string;
  /** Customers' tenant ids, each reached at its own authority for Graph. */
  customerTenants: string[];
  /** The file the refresh token (or MSAL's whole cache) is kept in, mode 0600. */
  storeFile: string;
  /** How the refresh token is kept between runs (see the header); `refresh-token` by default. */
  store?: 'cache' | 'refresh-token';
  loginHint?: string;
  requireMfa?: boolean;
}

/** One API call of a run: the authority it was made from, the access token used, and the answer. */
export interface SamCall {
  tenant: string;
  accessToken: string;
  status: number;
  body: unknown;
}

export const PARTNER_API_SCOPE = 'urn:warden:partner-api/user_impersonation';
export const GRAPH_SCOPE = 'urn:warden:graph/Directory.AccessAsUser.All';
/** Warden's MFA authentication context class (README "Step-up"). */
const MFA_ACR = 'urn:warden:acr:mfa';

const TENANT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function authorityOf(config: SamMsalConfig, tenant: string): string {
  if (!TENANT_ID.test(tenant)) throw new Error(`name the tenant by its id, not '${tenant}' (see the header)`);
  return `${config.baseUrl.replace(/\/$/, '')}/${tenant}`;
}

/** MSAL's cache kept in `storeFile`, readable by this user only (it holds a refresh token). */
function fileCache(file: string): ICachePlugin {
  return {
    async beforeCacheAccess(context: TokenCacheContext) {
      const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
      if (text) context.tokenCache.deserialize(text);
    },
    async afterCacheAccess(context: TokenCacheContext) {
      if (!context.cacheHasChanged) return;
      await writeFile(file, context.tokenCache.serialize(), { mode: 0o600 });
      await chmod(file, 0o600);
    },
  };
}

function application(config: SamMsalConfig, withFileCache: boolean): ConfidentialClientApplication {
  return new ConfidentialClientApplication({
    auth: {
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      authority: authorityOf(config, config.partnerTenant),
      knownAuthorities: [new URL(config.baseUrl).host],
    },
    ...(withFileCache ? { cache: { cachePlugin: fileCache(config.storeFile) } } : {}),
    system: {
      protocolMode: ProtocolMode.OIDC,
      loggerOptions: { logLevel: LogLevel.Error, piiLoggingEnabled: false, loggerCallback: () => {} },
    },
  });
}

/** The refresh token in a serialized MSAL cache (one chain, one client: there is one). */
export function refreshTokenInCache(serialized: string): string | undefined {
  const cache = JSON.parse(serialized) as { RefreshToken?: Record<string, { secret: string }> };
  const tokens = Object.values(cache.RefreshToken ?? {});
  if (tokens.length > 1) throw new Error('the cache holds more than one refresh token');
  return tokens[0]?.secret;
}

/** The refresh token this script keeps now, whichever way it keeps it. */
export async function storedRefreshToken(config: SamMsalConfig): Promise<string | undefined> {
  const text = await readFile(config.storeFile, 'utf8');
  return config.store === 'cache' ? refreshTokenInCache(text) : text.trim();
}

async function saveRefreshToken(config: SamMsalConfig, app: ConfidentialClientApplication): Promise<void> {
  const refreshToken = refreshTokenInCache(app.getTokenCache().serialize());
  if (!refreshToken) throw new Error('the authority returned no refresh token');
  await writeFile(config.storeFile, refreshToken, { mode: 0o600 });
  await chmod(config.storeFile, 0o600);
}

/** Waits on a loopback port for the authorization response (RFC 8252 §7.3). */
async function loopbackListener() {
  let resolve!: (query: URLSearchParams) => void;
  const received = new Promise<URLSearchParams>((r) => {
    resolve = r;
  });
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (!url.searchParams.has('code') && !url.searchParams.has('error')) {
      response.writeHead(404).end();
      return;
    }
    response
      .writeHead(200, { 'content-type': 'text/plain' })
      .end('Consent received. You can close this window.');
    resolve(url.searchParams);
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;
  return { redirectUri: `http://localhost:${port}/`, received, close: () => server.close() };
}

/**
 * The one interactive step: the integration user signs in (with MFA) and consents; the code is
 * redeemed with the app's secret and the refresh token kept in `storeFile`. `openBrowser` is
 * given the sign-in URL (a person opens it; a test drives a browser).
 */
export async function consent(
  config: SamMsalConfig,
  openBrowser: (url: string) => Promise<void>,
): Promise<AccountInfo> {
  const app = application(config, config.store === 'cache');
  const { verifier, challenge } = await new CryptoProvider().generatePkceCodes();
  const state = new CryptoProvider().createNewGuid();
  const listener = await loopbackListener();
  try {
    const scopes = [PARTNER_API_SCOPE, GRAPH_SCOPE];
    const claims = config.requireMfa
      ? JSON.stringify({ id_token: { acr: { essential: true, values: [MFA_ACR] } } })
      : undefined;
    const url = await app.getAuthCodeUrl({
      scopes,
      redirectUri: listener.redirectUri,
      codeChallenge: challenge,
      codeChallengeMethod: 'S256',
      state,
      ...(config.loginHint ? { loginHint: config.loginHint } : {}),
      ...(claims ? { claims } : {}),
    });
    const [query] = await Promise.all([listener.received, openBrowser(url)]);
    if (query.get('state') !== state) throw new Error('the authorization response has another state');
    const code = query.get('code');
    if (!code) throw new Error(`consent failed: ${query.get('error')}: ${query.get('error_description')}`);
    const result = await app.acquireTokenByCode({
      code,
      scopes,
      redirectUri: listener.redirectUri,
      codeVerifier: verifier,
      state,
    });
    if (!result.account) throw new Error('the authority returned no account');
    if (config.store !== 'cache') await saveRefreshToken(config, app);
    return result.account;
  } finally {
    listener.close();
  }
}

/** A token from another tenant than the one asked for is never used (see the header). */
function sameTenant(got: string, wanted: string): void {
  if (got.toLowerCase() !== wanted.toLowerCase()) {
    throw new Error(`asked for a token of tenant ${wanted}, got one of ${got || 'no tenant'}`);
  }
}

async function call(url: string, accessToken: string) {
  const response = await fetch(url, { headers: { authorization: `Bearer ${accessToken}` } });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/**
 * One run of the automation from the kept refresh token alone: the partner's customers from the
 * Partner API, then each customer's users from Graph at that customer's authority. Every
 * redemption rotates the refresh token; the newest is kept for the next run.
 */
export async function run(config: SamMsalConfig): Promise<SamCall[]> {
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
  if (config.store !== 'cache') {
    let refreshToken = (await readFile(config.storeFile, 'utf8')).trim();
    for (const target of targets) {
      // An empty cache for each redemption: the one refresh token in it afterwards is the newest.
      const app = application(config, false);
      const result = await app.acquireTokenByRefreshToken({
        refreshToken,
        scopes: [target.scope],
        authority: authorityOf(config, target.tenant),
        forceCache: true,
      });
      if (!result) throw new Error('MSAL returned no token');
      sameTenant(result.tenantId, target.tenant);
      // The replacement is in MSAL's cache; the one just sent is used up.
      await saveRefreshToken(config, app);
      refreshToken = (await storedRefreshToken(config))!;
      calls.push({
        tenant: target.tenant,
        accessToken: result.accessToken,
        ...(await call(target.url, result.accessToken)),
      });
    }
    return calls;
  }
  const app = application(config, true);
  // One person: one home account (`client_info`'s uid.utid), seen once per tenant it was used at.
  const accounts = await app.getTokenCache().getAllAccounts();
  if (new Set(accounts.map((a) => a.homeAccountId)).size > 1)
    throw new Error('the cache holds more than one person’s account');
  const account = accounts.find((a) => a.tenantId === config.partnerTenant) ?? accounts[0];
  if (!account) throw new Error('no consent kept: run `consent` first');
  for (const target of targets) {
    // forceRefresh: redeem the refresh token even while a cached access token is still valid,
    // so each run rolls the chain on (SAM: renew at least every 90 days; reference §3.1 step 5).
    const result = await app.acquireTokenSilent({
      account,
      scopes: [target.scope],
      authority: authorityOf(config, target.tenant),
      forceRefresh: true,
    });
    sameTenant(result.tenantId, target.tenant);
    calls.push({
      tenant: target.tenant,
      accessToken: result.accessToken,
      ...(await call(target.url, result.accessToken)),
    });
  }
  return calls;
}

function configFromEnv(): SamMsalConfig {
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
    store: process.env.SAM_STORE === 'cache' ? 'cache' : 'refresh-token',
    ...(process.env.SAM_LOGIN_HINT ? { loginHint: process.env.SAM_LOGIN_HINT } : {}),
    requireMfa: process.env.SAM_REQUIRE_MFA === '1',
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const config = configFromEnv();
  if (process.argv[2] === 'consent') {
    const account = await consent(config, async (url) => {
      process.stderr.write(`Open this URL in a browser and sign in with MFA:\n${url}\n`);
    });
    process.stdout.write(`Consented as ${account.username}; refresh token kept in ${config.storeFile}\n`);
  } else if (process.argv[2] === 'run') {
    for (const c of await run(config)) process.stdout.write(`${c.tenant}: ${c.status}\n`);
  } else {
    process.stderr.write('usage: node examples/sam/msal-node.ts consent|run\n');
    process.exitCode = 2;
  }
}
