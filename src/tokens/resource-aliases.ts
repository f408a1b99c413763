import { GRAPH_API, PARTNER_API } from './audiences.ts';
import type { ProviderMiddleware } from './device-polling.ts';

/**
 * Microsoft's names of the resources Warden serves (reference partner-center-gdap-sam, appendix
 * "well-known IDs"): tools written for Entra ask for `https://graph.microsoft.com/.default` (the
 * Graph SDKs, @azure/identity, MSAL samples) or `https://api.partnercenter.microsoft.com/.default`
 * (Partner Center SDK-style scripts), by the resource's URI or its application id. Each stands for
 * Warden's own resource, so such a tool needs no change but its authority (issue 13).
 *
 * THE one place they are read is the authority's edge (tokens/authorities.ts), with the client id
 * aliases: `scope` values `{alias}/{name}` and `resource` values `{alias}` are put in Warden's form
 * before oidc-provider parses the request, so grants, consents, tokens (`aud`, `scp`) and the
 * sign-in logs only ever see Warden's names (docs/compatibility.md says so).
 */
const RESOURCE_ALIASES: ReadonlyMap<string, string> = new Map([
  ['https://graph.microsoft.com', GRAPH_API],
  ['00000003-0000-0000-c000-000000000000', GRAPH_API],
  ['https://api.partnercenter.microsoft.com', PARTNER_API],
  ['fa3d9a0c-3fb0-42cc-9193-47c7ecd2edbd', PARTNER_API],
]);

/** Warden's resource for a Microsoft resource name (with or without a trailing slash). */
function wardenResource(value: string): string | undefined {
  return RESOURCE_ALIASES.get(value.toLowerCase().replace(/\/$/, ''));
}

/** One scope value in Warden's form: `{alias}/{name}` → `{resource}/{name}`; others unchanged. */
export function wardenScopeValue(value: string): string {
  const slash = value.lastIndexOf('/');
  if (slash <= 0) return value;
  const resource = wardenResource(value.slice(0, slash));
  return resource === undefined ? value : `${resource}${value.slice(slash)}`;
}

/** Scope values as the client sent them, by Warden's name of each (see `scopesAsSent`). */
export type ScopesAsSent = Map<string, string>;

const SENT = Symbol('warden.scopesAsSent');

/** Remembers on the request what its scope values were called by the client. */
export function rememberScopesAsSent(req: object, sent: ScopesAsSent): void {
  if (sent.size > 0) (req as { [SENT]?: ScopesAsSent })[SENT] = sent;
}

/** A request's scope values as the client sent them, when the edge renamed any. */
export function scopesAsSent(req: object): ScopesAsSent | undefined {
  return (req as { [SENT]?: ScopesAsSent })[SENT];
}

/**
 * Rewrites `scope` and `resource` of a query or form in place (RFC 6749 §3.3, RFC 8707 §2); true
 * when anything changed, and `sent` gets the renamed scope values. Repeated parameters are left
 * for oidc-provider to refuse.
 */
export function resolveResourceAliases(params: URLSearchParams, sent: ScopesAsSent = new Map()): boolean {
  let changed = false;
  const scopes = params.getAll('scope');
  if (scopes.length === 1) {
    const values = scopes[0]!.split(' ');
    const rewritten = values.map(wardenScopeValue);
    rewritten.forEach((v, i) => {
      if (v !== values[i]) sent.set(v, values[i]!);
    });
    if (sent.size > 0) {
      params.set('scope', rewritten.join(' '));
      changed = true;
    }
  }
  const resources = params.getAll('resource');
  if (resources.some((r) => wardenResource(r) !== undefined)) {
    params.delete('resource');
    for (const r of resources) params.append('resource', wardenResource(r) ?? r);
    changed = true;
  }
  return changed;
}

/**
 * The token response's `scope` (RFC 6749 §5.1) in the client's names, when the edge renamed the
 * request's: MSAL and Python MSAL key their token caches on the scopes answered, so a token
 * answered under Warden's names would never be found again under Microsoft's.
 */
export function scopeAliasAnswers(): ProviderMiddleware {
  return async (ctx, next) => {
    await next();
    if ((ctx.oidc as { route?: string } | undefined)?.route !== 'token' || ctx.status !== 200) return;
    const sent = scopesAsSent(ctx.req);
    const body = ctx.body as Record<string, unknown> | undefined;
    if (!sent || !body || typeof body.scope !== 'string') return;
    body.scope = body.scope
      .split(' ')
      .map((v) => sent.get(v) ?? v)
      .join(' ');
  };
}
