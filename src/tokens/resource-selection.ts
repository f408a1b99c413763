import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import { RESOURCE_SERVERS } from './audiences.ts';
import { isRegisteredApiIdentifier } from './resource-servers.ts';

/**
 * Which resource a request means, Entra style (issue 4 item 2): scopes are named
 * `{resource}/{scope}`, and one sign-in may ask for the scopes of several resources; its refresh
 * token then serves each of them, one access token (one audience) per token request.
 */

/**
 * The resources whose scopes `scope` names, in the order named, each once: Warden's own, and
 * registered APIs by their `api://` identifier URI (whether the tenant has one is decided when the
 * resource is resolved: resource-servers.ts).
 */
export function resourcesFromScope(scope: unknown): string[] {
  if (typeof scope !== 'string') return [];
  const named: string[] = [];
  for (const value of scope.split(' ')) {
    const slash = value.lastIndexOf('/');
    const resource = slash > 0 ? value.slice(0, slash) : '';
    const known = RESOURCE_SERVERS.has(resource) || isRegisteredApiIdentifier(resource);
    if (known && !named.includes(resource)) named.push(resource);
  }
  return named;
}

/**
 * oidc-provider's `defaultResource`, for requests without `resource=`.
 *
 * - Authorization and device requests: every resource named by the scope is asked for (so the
 *   grant, the code and the refresh token hold them all). Entra's `{resource}/.default` ("what was
 *   granted for that resource") is added to the request's scope for each of them, so a refresh
 *   asking `{resource}/.default`, as MSAL does, is within what the refresh token was granted.
 * - Token requests whose grant holds several resources (`oneOf`): the one the request's scope
 *   names; the first one asked for when it names none; an error when it names more than one
 *   (an access token has one audience; Entra answers AADSTS28000 likewise).
 */
export function defaultResource(
  ctx: KoaContextWithOIDC,
  _client: unknown,
  oneOf?: string[],
): string | string[] | undefined {
  const params = ctx.oidc.params as Record<string, unknown> | undefined;
  const named = resourcesFromScope(params?.scope);
  if (oneOf) {
    const asked = named.filter((resource) => oneOf.includes(resource));
    if (asked.length > 1)
      throw new errors.InvalidTarget(
        'the scope names more than one resource; ask for the scopes of one resource per token request',
      );
    return asked[0] ?? oneOf[0];
  }
  if (params && ctx.oidc.route !== 'token' && typeof params.scope === 'string') {
    const scopes = new Set(params.scope.split(' '));
    for (const resource of named) scopes.add(`${resource}/.default`);
    // oidc-provider drops `offline_access` from code-flow requests without prompt=consent, but
    // Warden issues those clients a refresh token anyway (provider.ts, issueRefreshToken); kept in
    // the grant, a refresh that repeats it (MSAL always does) stays within what was granted.
    if (askedFor(ctx, 'offline_access') && ctx.oidc.client?.grantTypeAllowed('refresh_token'))
      scopes.add('offline_access');
    params.scope = [...scopes].join(' ');
  }
  return named.length > 1 ? named : named[0];
}

/** Whether the request as sent (before oidc-provider's own filtering) asked for `scope`. */
function askedFor(ctx: KoaContextWithOIDC, scope: string): boolean {
  const sent =
    ctx.method === 'POST' ? (ctx.oidc.body as Record<string, unknown> | undefined)?.scope : ctx.query.scope;
  return typeof sent === 'string' && sent.split(' ').includes(scope);
}

/**
 * Runs before a refresh token is rotated (oidc-provider resolves the resource only after the old
 * token is used up): a request for two resources, or for one the token was not granted, is refused
 * while the presented refresh token still works.
 */
export function checkRefreshResource(ctx: KoaContextWithOIDC): void {
  const params = ctx.oidc.params as Record<string, unknown> | undefined;
  const token = ctx.oidc.entities.RefreshToken as { resource?: string | string[] } | undefined;
  const granted = token?.resource === undefined ? [] : ([] as string[]).concat(token.resource);
  const asked = typeof params?.resource === 'string' ? [params.resource] : resourcesFromScope(params?.scope);
  if (asked.length > 1)
    throw new errors.InvalidTarget(
      'the scope names more than one resource; ask for the scopes of one resource per token request',
    );
  if (asked[0] && !granted.includes(asked[0]))
    throw new errors.InvalidTarget(`this refresh token was not granted access to ${asked[0]}`);
}

/**
 * `scp` of a user's access token for `audience`: the scope names without their resource prefix,
 * where `.default` stands for every scope granted for that resource (Entra).
 */
export function delegatedScp(
  scope: string | undefined,
  audience: string | undefined,
  granted: string,
): string | undefined {
  const asked = (scope ?? '').split(' ').filter(Boolean);
  const all = asked.includes(`${audience}/.default`) ? [...asked, ...granted.split(' ')] : asked;
  const names = new Set(
    all
      .filter((s) => s.startsWith(`${audience}/`))
      .map((s) => s.slice(s.lastIndexOf('/') + 1))
      .filter((s) => s !== '.default'),
  );
  return names.size ? [...names].join(' ') : undefined;
}
