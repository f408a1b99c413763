import type { NewApplication } from '../directory/applications.ts';
import { GRAPH_API, PARTNER_API } from '../tokens/audiences.ts';

/**
 * The `warden` command line's public client (README "The warden CLI"), registered by the operator
 * so it is first party (no consent screen) and usable from every tenant: `warden login` signs in
 * as it by default, in demo mode and in production alike.
 */
export const WARDEN_CLI_APPLICATION: NewApplication = {
  id: 'warden-cli',
  displayName: 'Warden CLI',
  clientType: 'public',
  // RFC 8252 §7.3: loopback, any port; with and without the root path's slash.
  redirectUris: ['http://localhost', 'http://localhost/'],
  multiTenant: true,
  allowedScopes: [`${PARTNER_API}/user_impersonation`, `${GRAPH_API}/Directory.AccessAsUser.All`],
};
