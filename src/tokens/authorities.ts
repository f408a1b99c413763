import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import { findTenant, type Tenant } from '../directory/tenants.ts';
import { setSecurityHeaders } from '../http/security-headers.ts';
import { tagTenantClass } from '../metrics/tenant-class.ts';
import type { SecretBox } from '../security/secret-box.ts';
import type { ServicePrincipalSignInWriter } from '../sign-in-logs/service-principal-sign-in-writer.ts';
import { logServicePrincipalSignIns } from '../sign-in-logs/service-principal-sign-ins.ts';
import type { Db } from '../storage/database.ts';
import { AUTHORITY_ROUTES } from './authority-urls.ts';
import { resolveClientIdInBasic, resolveClientIdParam } from './client-id-aliases.ts';
import { renameGrantTypeAlias, rewriteForm } from './grant-type-aliases.ts';
import { createTenantProvider, type ProviderDeps } from './provider.ts';
import { rememberScopesAsSent, resolveResourceAliases, type ScopesAsSent } from './resource-aliases.ts';
import { loadSigningKeys, signingKeysFingerprint } from './signing-keys.ts';
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

/**
 * The per-tenant authorities (issue 2 item 4). One oidc-provider per tenant, created on first use
 * and cached; signing keys come from storage and are re-read when a rotation changed them.
 */
export class Authorities {
  readonly #db: Db;
  readonly #keyBox: SecretBox;
  readonly #secrets: SecretBox;
  readonly #masterKey: Buffer;
  readonly #baseUrl: string;
  readonly #log: Logger;
  #entries = new Map<string, Promise<Entry>>();
  #resolved = new Map<string, { tenantId: string; until: number }>();
  #keys: Awaited<ReturnType<typeof loadSigningKeys>> | undefined;

  readonly #clock: Clock;
  readonly #servicePrincipalSignIns: ServicePrincipalSignInWriter;
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
    /** Issue 16 item 2: the metrics, when on. */
    metrics?: ProviderDeps['metrics'];
  }) {
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

  async start(): Promise<void> {
    this.#keys = await loadSigningKeys(this.#db, this.#keyBox);
  }

  /** Picks up a key rotation made by another process (`npm run keys:rotate`); returns whether keys changed. */
  async reloadKeysIfRotated(): Promise<boolean> {
    if ((await signingKeysFingerprint(this.#db)) === this.#keys?.fingerprint) return false;
    const keys = await loadSigningKeys(this.#db, this.#keyBox);
    this.#keys = keys;
    this.#entries = new Map();
    this.#log.info({ keys: keys.fingerprint }, 'signing keys changed; authorities rebuilt');
    return true;
  }

  /** The provider of a tenant (by id or verified domain), or undefined for an unknown tenant. */
  async forTenant(idOrDomain: string): Promise<Entry | undefined> {
    const key = idOrDomain.toLowerCase();
    const now = Date.now();
    const known = this.#resolved.get(key);
    let tenantId = known && known.until > now ? known.tenantId : undefined;
    let tenant: Tenant | undefined;
    if (!tenantId) {
      // Only the id is cached (a minute): tenant settings are read afresh by every sign-in.
      tenant = await findTenant(this.#db, idOrDomain);
      if (!tenant) return undefined;
      tenantId = tenant.id;
      if (this.#resolved.size >= 10_000) this.#resolved.clear();
      this.#resolved.set(key, { tenantId, until: now + 60_000 });
    }
    let entry = this.#entries.get(tenantId);
    if (!entry) {
      const found = tenant ?? (await findTenant(this.#db, tenantId));
      if (!found) return undefined;
      entry = Promise.resolve().then(() => this.#create(found));
      this.#entries.set(tenantId, entry);
    }
    return entry;
  }

  #create(tenant: Tenant): Entry {
    if (!this.#keys) throw new Error('Authorities.start() was not called');
    const provider = createTenantProvider(
      {
        db: this.#db,
        secrets: this.#secrets,
        masterKey: this.#masterKey,
        baseUrl: this.#baseUrl,
        signingKeys: this.#keys.keys,
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
