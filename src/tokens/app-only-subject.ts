import type { Configuration } from 'oidc-provider';
import { servicePrincipalIdOf } from './token-claims.ts';

type Customizer = NonNullable<NonNullable<NonNullable<Configuration['formats']>['customizers']>['jwt']>;

/**
 * Entra's app-only access tokens (reference entra-identity, access token claims): `sub` is the
 * same as `oid`, the object id of the calling app's service principal in the token's tenant.
 * oidc-provider writes the client id as `sub` of a client-credentials token and lets only its JWT
 * customizer replace it (extra claims cannot). Without a service principal (never for a token
 * oidc-provider issued: clients.ts gives one wherever client_credentials is allowed) nothing changes.
 */
export const appOnlySubject: Customizer = (_ctx, token, jwt) => {
  if (token.kind !== 'ClientCredentials') return;
  const servicePrincipalId = servicePrincipalIdOf(token.client);
  if (servicePrincipalId) jwt.payload.sub = servicePrincipalId;
};
