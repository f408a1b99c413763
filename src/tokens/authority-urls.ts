/**
 * Where a tenant authority answers (issue 2 item 4): its issuer and its routes, shaped like
 * Microsoft Entra's v2.0 endpoints. A leaf module, so resource servers, the dashboard and the CLI
 * can name an issuer without loading the provider setup.
 */
export const AUTHORITY_ROUTES = {
  authorization: '/oauth2/v2.0/authorize',
  token: '/oauth2/v2.0/token',
  jwks: '/discovery/v2.0/keys',
  end_session: '/oauth2/v2.0/logout',
  revocation: '/oauth2/v2.0/revoke',
  userinfo: '/oidc/userinfo',
  device_authorization: '/oauth2/v2.0/devicecode',
  code_verification: '/oauth2/v2.0/deviceauth',
  pushed_authorization_request: '/oauth2/v2.0/par',
  introspection: '/oauth2/v2.0/introspect',
  backchannel_authentication: '/oauth2/v2.0/bc-authorize',
  challenge: '/oauth2/v2.0/challenge',
} as const;

/** The issuer of a tenant's authority, as Entra writes it: `{base}/{tenantId}/v2.0`. */
export function issuerOf(baseUrl: string, tenantId: string): string {
  return `${baseUrl}/${tenantId}/v2.0`;
}
