import { GRAPH_API, PARTNER_API, RESOURCE_SERVERS } from '../tokens/audiences.ts';

/** What Entra's sign-in log names Warden's resources (`resourceDisplayName`). */
export const RESOURCE_DISPLAY_NAMES: Readonly<Record<string, string>> = {
  [PARTNER_API]: 'Warden Partner API',
  [GRAPH_API]: 'Warden Graph API',
};

/**
 * The resource an authorization request asks for (Graph `signIn.resourceId`): its `resource`
 * parameter, else the first of Warden's resources its scopes name (`{audience}/{scope}`); none
 * for a sign-in that asks for OpenID scopes only.
 */
export function requestedResource(params: Readonly<Record<string, unknown>>): string | undefined {
  if (typeof params.resource === 'string' && RESOURCE_SERVERS.has(params.resource)) return params.resource;
  if (typeof params.scope !== 'string') return undefined;
  for (const value of params.scope.split(' ')) {
    const slash = value.lastIndexOf('/');
    const resource = slash > 0 ? value.slice(0, slash) : '';
    if (RESOURCE_SERVERS.has(resource)) return resource;
  }
  return undefined;
}
