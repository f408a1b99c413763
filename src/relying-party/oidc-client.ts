import * as oidc from 'openid-client';
import type { Config } from '../config.ts';
import { LruCache } from '../lru-cache.ts';
import { issuerOf } from '../tokens/authority-urls.ts';

/** Tenants whose discovered configuration a first-party site keeps at once. */
const RELYING_PARTY_CONFIGS = 1_000;
const AUTH_TIME_ESSENTIAL = JSON.stringify({ id_token: { auth_time: { essential: true } } });

/** A first-party client of Warden's authorities: its id, its secret and where its sign-ins come back. */
export interface FirstPartyClient {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

/** What a first-party site learns from a sign-in: the ID token's claims that matter to it. */
export interface SignedInUser {
  tenantId: string;
  userId: string;
  amr: string[];
  authTime: number;
  /** The ID token itself: the `id_token_hint` of the RP-initiated logout at sign-out. */
  idToken: string;
}

/**
 * A relying party of Warden's own authorities (authorization code + PKCE, RFC 7636), built on
 * openid-client: Partner Center's and the Security info page's. Each tenant has its own
 * authority, so there is one client configuration per tenant, discovered on first use. It talks
 * to the authority at its public URL (WARDEN_BASE_URL), exactly as an outside relying party
 * would; oidc-provider derives endpoint URLs from the request's host.
 */
export class FirstPartyRelyingParty {
  readonly #client: FirstPartyClient;
  readonly #config: Config;
  // Issue 16 item 3: bounded, as the authorities are (a configuration holds the tenant's discovery
  // document and its JWKS once fetched); a dropped one is discovered again on next use.
  readonly #configs = new LruCache<string, Promise<oidc.Configuration>>(RELYING_PARTY_CONFIGS);

  constructor(client: FirstPartyClient, config: Config) {
    this.#client = client;
    this.#config = config;
  }

  get redirectUri(): string {
    return this.#client.redirectUri;
  }

  protected configuration(tenantId: string): Promise<oidc.Configuration> {
    let found = this.#configs.get(tenantId);
    if (!found) {
      found = oidc.discovery(
        new URL(issuerOf(this.#config.baseUrl, tenantId)),
        this.#client.clientId,
        undefined,
        oidc.ClientSecretPost(this.#client.clientSecret),
        this.#config.baseUrl.startsWith('http:') ? { execute: [oidc.allowInsecureRequests] } : {},
      );
      const discovered = found;
      found.catch(() => this.#configs.deleteIf(tenantId, discovered));
      this.#configs.set(tenantId, found);
    }
    return found;
  }

  /**
   * The authorization request; `stepUp` asks the authority for MFA (`amr_values=mfa`), `maxAgeS`
   * for a sign-in at most that old (OIDC Core §3.1.2.1 `max_age`: older, and the user signs in again).
   */
  async authorizationUrl(input: {
    tenantId: string;
    state: string;
    nonce: string;
    codeVerifier: string;
    loginHint?: string;
    stepUp: boolean;
    maxAgeS?: number;
  }): Promise<string> {
    const configuration = await this.configuration(input.tenantId);
    const params: Record<string, string> = {
      redirect_uri: this.#client.redirectUri,
      scope: 'openid profile',
      state: input.state,
      nonce: input.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(input.codeVerifier),
      code_challenge_method: 'S256',
      // OIDC Core §5.5.1: auth_time as an essential claim, so the ID token always says when the
      // user signed in; freshness rules (Security info's re-authentication) are computed from it.
      claims: AUTH_TIME_ESSENTIAL,
    };
    if (input.loginHint) params.login_hint = input.loginHint;
    if (input.stepUp) params.amr_values = 'mfa';
    if (input.maxAgeS !== undefined) params.max_age = String(input.maxAgeS);
    return oidc.buildAuthorizationUrl(configuration, params).href;
  }

  /** Redeems the code of the callback and returns the verified ID token's facts. */
  async redeem(input: {
    tenantId: string;
    callbackUrl: URL;
    state: string;
    nonce: string;
    codeVerifier: string;
  }): Promise<SignedInUser> {
    const configuration = await this.configuration(input.tenantId);
    const tokens = await oidc.authorizationCodeGrant(configuration, input.callbackUrl, {
      pkceCodeVerifier: input.codeVerifier,
      expectedState: input.state,
      expectedNonce: input.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    if (!claims || !tokens.id_token || claims.tid !== input.tenantId || typeof claims.oid !== 'string') {
      throw new Error('the ID token does not name a user of the expected tenant');
    }
    // Asked for as essential: an ID token without it is refused rather than given a time of our own.
    if (typeof claims.auth_time !== 'number') throw new Error('the ID token has no auth_time');
    return {
      tenantId: input.tenantId,
      userId: claims.oid,
      amr: Array.isArray(claims.amr) ? claims.amr.filter((m): m is string => typeof m === 'string') : [],
      authTime: claims.auth_time * 1000,
      idToken: tokens.id_token,
    };
  }

  /**
   * OpenID Connect RP-Initiated Logout 1.0 §2: the end-session request that signs the user out of
   * the tenant's authority too, then sends the browser to `postLogoutRedirectUri` (§3). Without
   * the ID token (a session older than this code) `client_id` alone names the client.
   */
  async endSessionUrlTo(input: {
    tenantId: string;
    idToken: string | undefined;
    postLogoutRedirectUri: string;
  }): Promise<string> {
    const configuration = await this.configuration(input.tenantId);
    return oidc.buildEndSessionUrl(configuration, {
      post_logout_redirect_uri: input.postLogoutRedirectUri,
      ...(input.idToken ? { id_token_hint: input.idToken } : {}),
    }).href;
  }
}
