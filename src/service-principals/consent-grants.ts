import { GRAPH_API, RESOURCE_SERVERS } from '../tokens/audiences.ts';

/**
 * The rules of an application consent's grants (reference §3.3, Partner Center's
 * `applicationGrants`): which resource each names, and which of its permissions.
 */

/** Microsoft Graph's well-known application id (reference appendix), the name CPV callers use. */
export const MICROSOFT_GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

/**
 * `enterpriseApplicationId` → the resource Warden issues tokens for. Graph is named by Microsoft's
 * id or by Warden's audience. The Partner API is not consentable: it serves partner tenants only,
 * so a grant of it in a customer tenant could never be used.
 */
const RESOURCES: Readonly<Record<string, string>> = {
  [MICROSOFT_GRAPH_APP_ID]: GRAPH_API,
  [GRAPH_API]: GRAPH_API,
};

/** What a consent grants on one resource: names of its app roles and delegated scopes. */
export interface ConsentGrant {
  resource: string;
  scopes: string[];
}

export type GrantProblem =
  | { code: 'unknown_resource'; enterpriseApplicationId: string }
  | { code: 'unknown_permission'; resource: string; names: string[] }
  | { code: 'no_permission'; enterpriseApplicationId: string };

export class ConsentGrantError extends Error {
  readonly problem: GrantProblem;
  constructor(problem: GrantProblem, message: string) {
    super(message);
    this.problem = problem;
  }
}

/** The permission names a resource defines: its app roles and its delegated scopes (not `.default`). */
export function permissionsOf(resource: string): { appRoles: string[]; scopes: string[] } {
  const server = RESOURCE_SERVERS.get(resource);
  if (!server) return { appRoles: [], scopes: [] };
  const scopes = server.scopes
    .map((s) => s.slice(resource.length + 1))
    .filter((name) => name !== '.default' && name !== '');
  return { appRoles: [...server.appRoles], scopes };
}

/**
 * Parses `applicationGrants`: each `enterpriseApplicationId` must name a known resource and each
 * name of its comma-separated `scope` one of that resource's permissions (case as defined; spaces
 * around commas ignored). Grants of the same resource are merged; names are de-duplicated.
 */
export function parseGrants(
  input: readonly { enterpriseApplicationId: string; scope: string }[],
): ConsentGrant[] {
  const byResource = new Map<string, Set<string>>();
  for (const grant of input) {
    const id = grant.enterpriseApplicationId.trim().toLowerCase();
    const resource = RESOURCES[id];
    if (!resource)
      throw new ConsentGrantError(
        { code: 'unknown_resource', enterpriseApplicationId: grant.enterpriseApplicationId },
        `No resource ${grant.enterpriseApplicationId} can be consented; use Microsoft Graph (${MICROSOFT_GRAPH_APP_ID} or ${GRAPH_API}).`,
      );
    const names = grant.scope
      .split(',')
      .map((n) => n.trim())
      .filter((n) => n !== '');
    if (names.length === 0)
      throw new ConsentGrantError(
        { code: 'no_permission', enterpriseApplicationId: grant.enterpriseApplicationId },
        `The grant of ${grant.enterpriseApplicationId} names no permission.`,
      );
    const defined = permissionsOf(resource);
    const known = new Set([...defined.appRoles, ...defined.scopes]);
    const unknown = names.filter((n) => !known.has(n));
    if (unknown.length > 0)
      throw new ConsentGrantError(
        { code: 'unknown_permission', resource, names: unknown },
        `${resource} defines no permission ${unknown.join(', ')}.`,
      );
    const set = byResource.get(resource) ?? new Set<string>();
    for (const n of names) set.add(n);
    byResource.set(resource, set);
  }
  return [...byResource].map(([resource, scopes]) => ({ resource, scopes: [...scopes] }));
}

/** The app roles among a resource's granted names: what app-only tokens for it carry as `roles`. */
export function grantedAppRoles(grants: readonly ConsentGrant[]): string[] {
  const roles = new Set<string>();
  for (const grant of grants) {
    const defined = RESOURCE_SERVERS.get(grant.resource)?.appRoles ?? [];
    for (const name of grant.scopes) if (defined.includes(name)) roles.add(name);
  }
  return [...roles];
}
