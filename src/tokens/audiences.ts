/** Resource servers Warden issues JWT access tokens for (issue 2 item 5). */
export const PARTNER_API = 'urn:warden:partner-api';
/** The directory administration API under `/v1.0`, shaped like Microsoft Graph (issue 4 item 1). */
export const GRAPH_API = 'urn:warden:graph';

/**
 * The `typ` header of a resource's JWT access tokens: Entra's `JWT`, which Entra-protected APIs'
 * validators (passport-azure-ad, express-jwt + jwks-rsa, Microsoft.Identity.Web) expect, or RFC
 * 9068 §2.1's `at+jwt`, which strict RFC 9068 validators (oauth4webapi) require. docs/resources.md.
 */
export type AccessTokenType = 'JWT' | 'at+jwt';

export interface ResourceServer {
  audience: string;
  /** The header `typ` of its access tokens; Warden's own resources are Entra-shaped. */
  accessTokenType: AccessTokenType;
  /** Delegated scopes, named Entra-style as `{audience}/{scope}`. */
  scopes: string[];
  /** App roles this resource defines; an app-only token carries the granted ones of its resource only. */
  appRoles: string[];
}

export const RESOURCE_SERVERS: ReadonlyMap<string, ResourceServer> = new Map([
  [
    PARTNER_API,
    {
      audience: PARTNER_API,
      accessTokenType: 'JWT',
      scopes: [`${PARTNER_API}/user_impersonation`, `${PARTNER_API}/.default`],
      appRoles: ['Partner.Read.All', 'Partner.ReadWrite.All'],
    },
  ],
  [
    GRAPH_API,
    // Graph's own name for "act with the signed-in user's directory rights"; what the user may do
    // is decided by their directory roles at the API (src/graph-api/), never by the scope alone.
    {
      audience: GRAPH_API,
      accessTokenType: 'JWT',
      scopes: [`${GRAPH_API}/Directory.AccessAsUser.All`, `${GRAPH_API}/.default`],
      // Microsoft Graph's application permissions of the same names.
      appRoles: [
        'User.Read.All',
        'User.ReadWrite.All',
        'Group.Read.All',
        'Group.ReadWrite.All',
        'Directory.Read.All',
        'Directory.ReadWrite.All',
        'RoleManagement.Read.Directory',
        'RoleManagement.ReadWrite.Directory',
        'Application.Read.All',
        'Application.ReadWrite.All',
        'Policy.Read.All',
        'Policy.ReadWrite.SecurityDefaults',
        'AuditLog.Read.All',
        'UserAuthenticationMethod.Read.All',
        // Issue 15 item 3: removing users' methods (graph-api/access.ts authenticationMethods.write).
        'UserAuthenticationMethod.ReadWrite.All',
        'DelegatedAdminRelationship.Read.All',
        'DelegatedAdminRelationship.ReadWrite.All',
        'PartnerSecurity.Read.All',
        'PartnerSecurity.ReadWrite.All',
      ],
    },
  ],
]);
