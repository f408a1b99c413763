import { findApiByIdentifierUri } from '../directory/application-apis.ts';
import type { Db } from '../storage/database.ts';
import { type AccessTokenType, RESOURCE_SERVERS } from './audiences.ts';

/**
 * The resource servers of one tenant's authority: Warden's own (audiences.ts) and the APIs the
 * tenant's registered applications expose (Entra's "expose an API", directory/application-apis.ts).
 * A registered API is named by an identifier URI (`api://{appId}`, the prefix of its scopes), and
 * its tokens are Entra v2.0 tokens: `aud` is its application id.
 */
export interface ResolvedResource {
  /** The resource indicator: the built-in's URN, or the API's identifier URI. */
  identifier: string;
  audience: string;
  /** Delegated scopes, `{identifier}/{value}`, with `{identifier}/.default`. */
  scopes: string[];
  /** App roles an app-only token of it may carry. */
  appRoles: string[];
  accessTokenType: AccessTokenType;
  /** The application whose API this is; undefined for Warden's own resources. */
  applicationId?: string;
}

/** The prefix of the identifier URIs Warden accepts for registered APIs (Entra's default form). */
export const API_URI_PREFIX = 'api://';

/** Whether a resource indicator could name a registered API (the syntax; the tenant decides). */
export function isRegisteredApiIdentifier(identifier: string): boolean {
  return identifier.startsWith(API_URI_PREFIX) && identifier.length > API_URI_PREFIX.length;
}

/** The resource a resource indicator names at a tenant's authority, or undefined for none. */
export async function resolveResourceServer(
  db: Db,
  tenantId: string,
  identifier: string,
): Promise<ResolvedResource | undefined> {
  const builtIn = RESOURCE_SERVERS.get(identifier);
  if (builtIn) return { identifier, ...builtIn };
  if (!isRegisteredApiIdentifier(identifier)) return undefined;
  const found = await findApiByIdentifierUri(db, tenantId, identifier);
  if (!found) return undefined;
  const { api, applicationId } = found;
  return {
    identifier,
    audience: applicationId,
    scopes: [
      ...api.scopes.filter((s) => s.isEnabled).map((s) => `${identifier}/${s.value}`),
      `${identifier}/.default`,
    ],
    appRoles: api.appRoles
      .filter((r) => r.isEnabled && r.allowedMemberTypes.includes('Application'))
      .map((r) => r.value),
    accessTokenType: api.accessTokenType,
    applicationId,
  };
}
