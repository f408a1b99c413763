import type { NewApplication } from '../directory/applications.ts';
import { GRAPH_API, PARTNER_API } from '../tokens/audiences.ts';

/**
 * The `warden` command line's public client (README "The warden CLI"), registered by the operator
 * so it is first party (no consent screen) and usable from every tenant: `warden login` signs in
 * as it by default, in demo mode and in production alike.
 */
export const WARDEN_CLI_APPLICATION: NewApplication = {
  // A fixed application id, as Entra's first-party clients have (the Azure CLI's is the same in
  // every tenant); `warden-cli` stays its client id alias, so `client_id=warden-cli` still works.
  id: '3f6b1a52-9c1e-4d0a-8e5b-57a0c2d9e001',
  clientIdAlias: 'warden-cli',
  displayName: 'Warden CLI',
  clientType: 'public',
  // RFC 8252 §7.3: loopback, any port; with and without the root path's slash.
  redirectUris: ['http://localhost', 'http://localhost/'],
  multiTenant: true,
  allowedScopes: [`${PARTNER_API}/user_impersonation`, `${GRAPH_API}/Directory.AccessAsUser.All`],
};
