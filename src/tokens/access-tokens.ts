import { type JWTPayload, jwtVerify } from 'jose';
import type { Clock } from '../clock.ts';
import { getTenant, type Tenant } from '../directory/tenants.ts';
import { canonicalGuid } from '../guid.ts';
import { hasMfaProof } from '../policy/mfa-proof.ts';
import type { Db } from '../storage/database.ts';
import { DatabaseUnavailable } from '../storage/unavailable.ts';
import type { AccessTokenType } from './audiences.ts';
import { issuerOf } from './authority-urls.ts';
import type { PublicKeyCache } from './public-keys.ts';

/** Who is calling a resource server: a user through an app (App+User), or an app alone (SPEC §3). */
export type Caller =
  | {
      mode: 'app+user';
      tenant: Tenant;
      appId: string;
      userId: string;
      userPrincipalName: string;
      amr: string[];
      /** SPEC §3: the MFA proof is the value `mfa` in `amr`. */
      mfa: boolean;
      scopes: string[];
      /** The reference of the grant the token was issued under (`gid`), matched by the revocation list. */
      grant: string | undefined;
      /**
       * SPEC E3 (reference §2.2): the partner tenant of a user acting on behalf of this (customer)
       * tenant, read off `idp`; absent for the tenant's own users. `userId` is then a user of it.
       */
      homeTenantId?: string;
      expiresAt: number;
      notBefore: number;
      /** `iat`, in seconds. */
      issuedAt: number;
    }
  | {
      mode: 'app-only';
      tenant: Tenant;
      appId: string;
      roles: string[];
      expiresAt: number;
      notBefore: number;
      /** `iat`, in seconds. */
      issuedAt: number;
    };

export type AppUserCaller = Extract<Caller, { mode: 'app+user' }>;
export type AppOnlyCaller = Extract<Caller, { mode: 'app-only' }>;

export class InvalidAccessToken extends Error {}

// The clock skew Microsoft's token validation allows by default (5 minutes).
const CLOCK_SKEW_S = 300;
const CACHE_LIMIT = 10_000;

/**
 * Verifies JWT access tokens issued by Warden's authorities for one audience (RFC 9068 shape):
 * RS256 only (`alg: none` and HMAC are refused), the header `typ` Warden issues for that resource
 * (audiences.ts: Entra's `JWT` or RFC 9068's `at+jwt`), a signing key from the issuer's JWKS, the issuer
 * that the `tid` claim names, the audience, and the time claims. A verified token is remembered
 * until it expires, so a client reusing its token costs one signature check, not one
 * per request; the time claims are still checked on every use.
 */
export class AccessTokenVerifier {
  readonly #db: Db;
  readonly #keys: PublicKeyCache;
  readonly #baseUrl: string;
  readonly #audience: string;
  readonly #typ: AccessTokenType;
  readonly #clock: Clock;
  readonly #verified = new Map<string, Caller>();
  readonly #tenants = new Map<string, Tenant>();

  constructor(input: {
    db: Db;
    keys: PublicKeyCache;
    baseUrl: string;
    audience: string;
    accessTokenType: AccessTokenType;
    clock: Clock;
  }) {
    this.#db = input.db;
    this.#keys = input.keys;
    this.#baseUrl = input.baseUrl;
    this.#audience = input.audience;
    this.#typ = input.accessTokenType;
    this.#clock = input.clock;
  }

  async verify(token: string): Promise<Caller> {
    // Keyed by the token itself: hashing every request cost more than the map's memory (≤ 10k tokens).
    const nowS = Math.floor(this.#clock.now() / 1000);
    let caller = this.#verified.get(token);
    if (!caller) {
      caller = await this.#verifySignatureAndClaims(token);
      if (this.#verified.size >= CACHE_LIMIT) this.#evictExpired(nowS);
      this.#verified.set(token, caller);
    }
    if (caller.expiresAt <= nowS - CLOCK_SKEW_S) {
      this.#verified.delete(token);
      throw new InvalidAccessToken('The token has expired.');
    }
    if (caller.notBefore > nowS + CLOCK_SKEW_S) throw new InvalidAccessToken('The token is not valid yet.');
    return caller;
  }

  #evictExpired(nowS: number): void {
    for (const [k, c] of this.#verified) if (c.expiresAt <= nowS) this.#verified.delete(k);
    // Still full of live tokens: start over rather than grow without bound.
    if (this.#verified.size >= CACHE_LIMIT) this.#verified.clear();
  }

  async #verifySignatureAndClaims(token: string): Promise<Caller> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#keys.getKey, {
        algorithms: ['RS256'],
        audience: this.#audience,
        requiredClaims: ['iss', 'exp', 'iat', 'tid'],
        currentDate: new Date(this.#clock.now()),
        clockTolerance: CLOCK_SKEW_S,
        typ: this.#typ,
      }));
    } catch (error) {
      // Keys that could not be read (the database did not answer) say nothing about the token.
      if (error instanceof DatabaseUnavailable) throw error;
      throw new InvalidAccessToken(describe(error));
    }
    const tid = payload.tid;
    if (typeof tid !== 'string') throw new InvalidAccessToken('The token has no tenant.');
    // The issuer must be the authority of the tenant the token names (per-tenant issuers, SPEC §3).
    if (payload.iss !== issuerOf(this.#baseUrl, tid))
      throw new InvalidAccessToken('The token has a wrong issuer.');
    const tenant = await this.#tenant(tid);
    if (!tenant) throw new InvalidAccessToken('The token names an unknown tenant.');
    const times = {
      expiresAt: payload.exp!,
      notBefore: typeof payload.nbf === 'number' ? payload.nbf : payload.iat!,
      issuedAt: payload.iat!,
    };
    const appId = typeof payload.appid === 'string' ? payload.appid : String(payload.azp ?? '');
    if (payload.idtyp === 'app') {
      const roles = Array.isArray(payload.roles) ? payload.roles.filter((r) => typeof r === 'string') : [];
      return { mode: 'app-only', tenant, appId, roles, ...times };
    }
    if (typeof payload.scp !== 'string' || typeof payload.oid !== 'string') {
      throw new InvalidAccessToken('The token has neither delegated scopes nor app roles.');
    }
    const homeTenantId = this.#homeTenantOf(payload);
    const amr = Array.isArray(payload.amr)
      ? payload.amr.filter((m): m is string => typeof m === 'string')
      : [];
    return {
      mode: 'app+user',
      tenant,
      appId,
      userId: payload.oid,
      userPrincipalName: typeof payload.upn === 'string' ? payload.upn : '',
      amr,
      mfa: hasMfaProof(amr),
      scopes: payload.scp.split(' '),
      grant: typeof payload.gid === 'string' ? payload.gid : undefined,
      ...(homeTenantId ? { homeTenantId } : {}),
      ...times,
    };
  }

  /**
   * Reference §2.2: `idp` differs from `iss` only when the user is not of the issuer's tenant; in
   * Warden that is a partner user at a customer's authority, and `idp` must then be the issuer of
   * another of Warden's tenants (anything else is not a token Warden issued).
   */
  #homeTenantOf(payload: JWTPayload): string | undefined {
    const idp = payload.idp;
    if (idp === undefined || idp === payload.iss) return undefined;
    const prefix = `${this.#baseUrl}/`;
    const tenantId =
      typeof idp === 'string' && idp.startsWith(prefix) && idp.endsWith('/v2.0')
        ? idp.slice(prefix.length, -'/v2.0'.length)
        : '';
    if (canonicalGuid(tenantId) !== tenantId || issuerOf(this.#baseUrl, tenantId) !== idp)
      throw new InvalidAccessToken("The token's idp claim is not valid.");
    return tenantId;
  }

  /** Tenants never change kind or id; they are read once. */
  async #tenant(id: string): Promise<Tenant | undefined> {
    const known = this.#tenants.get(id);
    if (known) return known;
    const tenant = await getTenant(this.#db, id);
    if (tenant && this.#tenants.size < CACHE_LIMIT) this.#tenants.set(id, tenant);
    return tenant;
  }
}

function describe(error: unknown): string {
  const code = (error as { code?: string }).code;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'The token has expired.';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED': {
      const claim = (error as { claim?: string }).claim;
      return claim ? `The token's ${claim} claim is not valid.` : 'A claim of the token is not valid.';
    }
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return 'The token was signed with an unknown key.';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'The token signature is not valid.';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'The token is signed with an algorithm that is not accepted.';
    default:
      return 'The token could not be verified.';
  }
}
