import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import { findTenant, type Tenant } from '../directory/tenants.ts';
import { setSecurityHeaders } from '../http/security-headers.ts';
import { LruCache } from '../lru-cache.ts';
import { tagTenantClass } from '../metrics/tenant-class.ts';
import type { SecretBox } from '../security/secret-box.ts';
import type { ServicePrincipalSignInWriter } from '../sign-in-logs/service-principal-sign-in-writer.ts';
import { logServicePrincipalSignIns } from '../sign-in-logs/service-principal-sign-ins.ts';
import type { Db } from '../storage/database.ts';
import { AUTHORITY_ROUTES } from './authority-urls.ts';
import { resolveClientIdInBasic, resolveClientIdParam } from './client-id-aliases.ts';
import { renameGrantTypeAlias, rewriteForm } from './grant-type-aliases.ts';
import {
  createTenantProvider,
  type ProviderDeps,
  type SharedProviderParts,
  sharedProviderParts,
} from './provider.ts';
import { rememberScopesAsSent, resolveResourceAliases, type ScopesAsSent } from './resource-aliases.ts';
import {
  KEY_PUBLISH_AHEAD_MS,
  loadSigningKeys,
  promoteDueSigningKey,
  signingKeysFingerprint,
} from './signing-keys.ts';
import { answerTemporarilyUnavailable } from './temporarily-unavailable.ts';

/**
 * Paths that belong to a tenant authority: `/{tenant}/...` handed to that tenant's oidc-provider.
 * Discovery answers at `/{tenant}/v2.0/.well-known/…` (Entra) and at `/{tenant}/.well-known/…`,
 * where OIDC-mode clients given the authority `/{tenant}` look (MSAL with protocolMode OIDC).
 */
const AUTHORITY_PATH =
  /^\/([^/]+)(\/(?:oauth2\/v2\.0\/|v2\.0\/\.well-known\/|\.well-known\/openid-configuration$|discovery\/v2\.0\/keys$|oidc\/userinfo$).*)$/;

interface Entry {
  provider: Provider;
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  tenant: Tenant;
}

/** Tenant ids and domains resolved to a tenant id, kept a minute each (tiny entries; bounded all the same). */
const RESOLVED_LIMIT = 10_000;
const RESOLVED_TTL_MS = 60_000;

/** What the cache of authorities did so far (issue 16 item 3; for operators, benchmarks and tests). */
export interface AuthorityCacheStats {
  /** The budget: at most this many tenant authorities are kept (WARDEN_AUTHORITY_CACHE_SIZE). */
  limit: number;
  /** Authorities held now. */
  size: number;
  /** Authorities built since start (a tenant's first use, or its next use after an eviction or a key rotation). */
  builds: number;
  /** Authorities dropped to stay within the budget. */
  evictions: number;
}

/**
 * The per-tenant authorities (issue 2 item 4). One oidc-provider per tenant, built on first use and
 * kept under a budget (issue 16 item 3): past it the least recently used one is dropped, and built
 * again on its tenant's next request. Nothing a flow needs lives in a provider — interactions,
 * sessions, codes and tokens are rows of the oidc-provider adapter (oidc-adapter.ts), its cookies
 * are signed with keys every provider derives alike — so a sign-in whose authority was dropped
 * between two steps continues on the rebuilt one, and a request in flight keeps the provider it
 * started on (the cache only stops handing it out). Signing keys come from storage and are re-read
 * when a rotation changed them.
 */
export class Authorities {
  readonly #db: Db;
  readonly #keyBox: SecretBox;
  readonly #secrets: SecretBox;
  readonly #masterKey: Buffer;
  readonly #baseUrl: string;
  readonly #log: Logger;
  // A promise per tenant, set before it is built, so concurrent first uses build it once.
  #entries: LruCache<string, Promise<Entry>>;
  readonly #resolved = new LruCache<string, { tenantId: string; until: number }>(RESOLVED_LIMIT);
  #keys: Awaited<ReturnType<typeof loadSigningKeys>> | undefined;
  /** Made once per key set, handed to every authority built with it. */
  #shared: SharedProviderParts | undefined;
  #builds = 0;
  #evictions = 0;

  readonly #clock: Clock;
  readonly #servicePrincipalSignIns: ServicePrincipalSignInWriter;
  readonly #trustProxy: boolean;
  readonly #keyPublishAheadMs: number;
  readonly #metrics: ProviderDeps['metrics'];

  constructor(input: {
    db: Db;
    keyBox: SecretBox;
    secrets: SecretBox;
    masterKey: Buffer;
    baseUrl: string;
    log: Logger;
    clock: Clock;
    servicePrincipalSignIns: ServicePrincipalSignInWriter;
    /** The budget of authorities kept at once (config `authorityCacheSize`). */
    cacheSize: number;
    /** How long a rotated key is published before it signs (config `keyPublishAheadMs`). */
    keyPublishAheadMs?: number;
    /** WARDEN_TRUSTED_PROXIES names proxies (config.ts): X-Forwarded-* then come from one. */
    trustProxy?: boolean;
    /** Issue 16 item 2: the metrics, when on. */
    metrics?: ProviderDeps['metrics'];
  }) {
    this.#entries = this.#newCache(input.cacheSize);
    this.#keyPublishAheadMs = input.keyPublishAheadMs ?? KEY_PUBLISH_AHEAD_MS;
    this.#trustProxy = input.trustProxy ?? false;
    this.#metrics = input.metrics;
    this.#clock = input.clock;
    this.#servicePrincipalSignIns = input.servicePrincipalSignIns;
    this.#db = input.db;
    this.#keyBox = input.keyBox;
    this.#secrets = input.secrets;
    this.#masterKey = input.masterKey;
    this.#baseUrl = input.baseUrl;
    this.#log = input.log;
  }

  #newCache(limit: number): LruCache<string, Promise<Entry>> {
    return new LruCache(limit, () => {
      this.#evictions += 1;
    });
  }

  stats(): AuthorityCacheStats {
    return {
      limit: this.#entries.limit,
      size: this.#entries.size,
      builds: this.#builds,
      evictions: this.#evictions,
    };
  }

  /** The tenant ids whose authorities are held, least recently used first. */
  cachedTenantIds(): string[] {
    return this.#entries.keys();
  }

  async start(): Promise<void> {
    this.#useKeys(await loadSigningKeys(this.#db, this.#keyBox));
  }

  #useKeys(keys: Awaited<ReturnType<typeof loadSigningKeys>>): void {
    this.#keys = keys;
    this.#shared = sharedProviderParts(
      { db: this.#db, clock: this.#clock, masterKey: this.#masterKey },
      keys.keys,
    );
  }

  /**
   * Picks up a key rotation made by another process (`npm run keys:rotate`), first letting a
   * pending key that has been published long enough start signing; returns whether keys changed.
   */
  async reloadKeysIfRotated(): Promise<boolean> {
    await promoteDueSigningKey(this.#db, this.#clock.now(), this.#keyPublishAheadMs);
    if ((await signingKeysFingerprint(this.#db)) === this.#keys?.fingerprint) return false;
    const keys = await loadSigningKeys(this.#db, this.#keyBox);
    this.#useKeys(keys);
    // Requests in flight finish on the providers they hold; every later one gets a rebuilt provider.
    this.#entries = this.#newCache(this.#entries.limit);
    this.#log.info({ keys: keys.fingerprint }, 'signing keys changed; authorities rebuilt');
    return true;
  }

  /** The provider of a tenant (by id or verified domain), or undefined for an unknown tenant. */
  async forTenant(idOrDomain: string): Promise<Entry | undefined> {
    const key = idOrDomain.toLowerCase();
    const now = this.#clock.now();
    const known = this.#resolved.get(key);
    let tenantId = known && known.until > now ? known.tenantId : undefined;
    let tenant: Tenant | undefined;
    if (!tenantId) {
      // Only the id is cached (a minute): tenant settings are read afresh by every sign-in.
      tenant = await findTenant(this.#db, idOrDomain);
      if (!tenant) return undefined;
      tenantId = tenant.id;
      this.#resolved.set(key, { tenantId, until: now + RESOLVED_TTL_MS });
    }
    let entry = this.#entries.get(tenantId);
    if (!entry) {
      const found = tenant ?? (await findTenant(this.#db, tenantId));
      if (!found) return undefined;
      // Another request may have started the build while this one read the tenant.
      entry = this.#entries.get(tenantId);
      if (entry) return entry;
      const built = Promise.resolve().then(() => this.#create(found));
      // A build that failed is not kept: the tenant's next request tries again.
      built.catch(() => this.#entries.deleteIf(found.id, built));
      this.#entries.set(tenantId, built);
      entry = built;
    }
    return entry;
  }

  #create(tenant: Tenant): Entry {
    if (!this.#shared) throw new Error('Authorities.start() was not called');
    this.#builds += 1;
    const provider = createTenantProvider(
      {
        db: this.#db,
        secrets: this.#secrets,
        baseUrl: this.#baseUrl,
        shared: this.#shared,
        clock: this.#clock,
        log: this.#log,
        metrics: this.#metrics,
      },
      tenant,
    );
    provider.on('server_error', (ctx, error) => {
      if (answerTemporarilyUnavailable(ctx, error))
        return this.#log.warn({ err: error, tenant: tenant.id }, 'oidc request: temporarily unavailable');
      this.#log.error({ err: error, tenant: tenant.id }, 'oidc server error');
    });
    provider.on('authorization.error', (_ctx, error) =>
      this.#log.debug(
        { tenant: tenant.id, detail: (error as { error_detail?: string }).error_detail },
        'authorization.error',
      ),
    );
    logServicePrincipalSignIns(provider, tenant.id, this.#servicePrincipalSignIns, this.#clock);
    // Koa reads X-Forwarded-For/-Proto (ctx.ip, ctx.secure) only when told; they reach it only from
    // a trusted proxy, cut to its hop (http/trusted-proxies.ts).
    provider.proxy = this.#trustProxy;
    return { provider, handler: provider.callback(), tenant };
  }

  /**
   * Hands an authority request to its tenant's provider. Returns false when the path is not an
   * authority path. The URL is rewritten so the provider sees its routes under `/{tenantId}`.
   */
  async dispatch(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    const match = AUTHORITY_PATH.exec(path);
    if (!match) return false;
    const [, tenantSegment, rest] = match as unknown as [string, string, string];
    setSecurityHeaders(res);
    const tenantKey = decodedSegment(tenantSegment);
    if (tenantKey === undefined) {
      sendMalformedTenant(res);
      return true;
    }
    const entry = await this.forTenant(tenantKey);
    if (!entry) {
      sendUnknownTenant(res, tenantSegment);
      return true;
    }
    tagTenantClass(req, entry.tenant.kind);
    const query = queryAt === -1 ? '' : url.slice(queryAt);
    // Discovery lives at /{tenant}/v2.0/.well-known/... while the other routes hang off /{tenant}.
    const inner = rest.startsWith('/v2.0/.well-known/') ? rest.slice('/v2.0'.length) : rest;
    let request = req as IncomingMessage & { originalUrl?: string };
    const sent: ScopesAsSent = new Map();
    // Client id aliases become application ids, and Microsoft's resource names Warden's, here,
    // before oidc-provider (client-id-aliases.ts, resource-aliases.ts).
    if (req.method === 'POST' && isForm(req)) {
      const isToken = inner === AUTHORITY_ROUTES.token;
      const rewritten = await rewriteForm(req, async (form) => {
        const renamed = isToken && renameGrantTypeAlias(form);
        const resources = resolveResourceAliases(form, sent);
        return (await resolveClientIdParam(this.#db, form)) || renamed || resources;
      });
      if (rewritten === 'too_large') {
        sendTooLarge(res);
        return true;
      }
      request = rewritten;
    }
    await resolveClientIdInBasic(this.#db, request.headers);
    const resolvedQuery = await resolveAliasesInQuery(this.#db, query, sent);
    rememberScopesAsSent(request, sent);
    request.originalUrl = `/${entry.tenant.id}${inner}${resolvedQuery}`;
    request.url = `${inner}${resolvedQuery}`;
    entry.handler(request, res);
    return true;
  }
}

/** The query string (with its `?`) with client id and resource aliases resolved; unchanged otherwise. */
async function resolveAliasesInQuery(db: Db, query: string, sent: ScopesAsSent): Promise<string> {
  if (query === '') return query;
  const params = new URLSearchParams(query.slice(1));
  const clientId = await resolveClientIdParam(db, params);
  const resources = resolveResourceAliases(params, sent);
  return clientId || resources ? `?${params.toString()}` : query;
}

function isForm(req: IncomingMessage): boolean {
  return (req.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
}

function sendTooLarge(res: ServerResponse): void {
  res.statusCode = 413;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify({ error: 'invalid_request', error_description: 'The request body is too large.' }));
}

/** The path segment percent-decoded, or undefined when its encoding is malformed (RFC 3986 §2.1). */
function decodedSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined; // a URIError: a stray `%`, or bytes that are not UTF-8 (`%FF`, a lone surrogate)
  }
}

/** AADSTS900023, as Entra answers a tenant segment that cannot be a tenant id or a domain: a 400, never a 500. */
function sendMalformedTenant(res: ServerResponse): void {
  res.statusCode = 400;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(
    JSON.stringify({
      error: 'invalid_request',
      error_description:
        'AADSTS900023: Specified tenant identifier is neither a valid DNS name, nor a valid external domain (malformed percent-encoding).',
      error_codes: [900023],
    }),
  );
}

/** AADSTS90002, as Entra answers for a tenant it does not know; never a redirect. */
function sendUnknownTenant(res: ServerResponse, tenant: string): void {
  res.statusCode = 400;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(
    JSON.stringify({
      error: 'invalid_tenant',
      error_description: `AADSTS90002: Tenant '${tenant.slice(0, 100)}' not found. Check the tenant id or domain.`,
      error_codes: [90002],
    }),
  );
}
