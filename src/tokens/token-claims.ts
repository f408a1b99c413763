import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import type { Tenant } from '../directory/tenants.ts';
import type { User } from '../directory/users.ts';
import { grantReference } from '../sessions/revocations.ts';
import { RESOURCE_SERVERS } from './audiences.ts';
import { delegatedScp } from './resource-selection.ts';

/*
 * The claims of Warden's tokens (SPEC §3): Entra's v2.0 claim names in ID and access tokens.
 */

/** The account of a sign-in: the directory user, carried along so token claims need no second read. */
export interface WardenAccount {
  accountId: string;
  user: User;
  /**
   * SPEC E3: a partner user acting at a customer's authority — the home tenant's issuer (`idp`)
   * and the Entra role template ids held in the customer now (`wids`), read when the token is issued.
   */
  delegated?: { idp: string; wids: string[] };
  claims: () => { sub: string; [claim: string]: unknown };
  [key: string]: unknown;
}

/** The user's claims as Entra writes them, shared by ID tokens (via claims()) and access tokens. */
function userClaims(user: User) {
  return {
    oid: user.id,
    upn: user.userPrincipalName,
    unique_name: user.userPrincipalName,
    name: user.displayName,
    given_name: user.givenName ?? undefined,
    family_name: user.surname ?? undefined,
  };
}

export function profileClaims(user: User, tenant: Tenant): { sub: string; [claim: string]: unknown } {
  return {
    sub: user.id,
    tid: tenant.id,
    ...userClaims(user),
    preferred_username: user.userPrincipalName,
    email: user.userPrincipalName,
  };
}

/** The object id of the client's service principal at this authority (tokens/clients.ts). */
export function servicePrincipalIdOf(client: unknown): string | undefined {
  const id = (client as Record<string, unknown> | undefined)?.['urn:warden:service_principal_id'];
  return typeof id === 'string' ? id : undefined;
}

type AnyToken = Parameters<NonNullable<Configuration['extraTokenClaims']>>[1];

/** Claims of SPEC §3 added to JWT access tokens. User tokens carry `amr` from the sign-in that began the chain. */
export function tokenClaims(
  ctx: KoaContextWithOIDC,
  token: AnyToken,
  tenant: Tenant,
): Record<string, unknown> {
  const client = ctx.oidc.client;
  // SPEC §3 (003's sample token): nbf alongside iat; Entra's v2.0 claim names.
  const base = {
    tid: tenant.id,
    appid: client?.clientId,
    azp: client?.clientId,
    ver: '2.0',
    nbf: Math.floor(Date.now() / 1000),
  };
  if (token.kind === 'ClientCredentials') {
    // Extra client metadata sits on the client object under its own name (no metadata() copy).
    const granted =
      (client as unknown as Record<string, string[] | undefined>)['urn:warden:granted_app_roles'] ?? [];
    // Entra: an app-only token lists the granted roles of its own resource only.
    const audience = (token as { resourceServer?: { audience?: string } }).resourceServer?.audience;
    const defined = RESOURCE_SERVERS.get(audience ?? '')?.appRoles ?? [];
    const roles = granted.filter((role) => defined.includes(role));
    // Entra: an app-only token's `oid` (and `sub`, app-only-subject.ts) is the object id of the
    // app's service principal in the token's tenant, not the application id.
    return { ...base, idtyp: 'app', roles, oid: servicePrincipalIdOf(client), appidacr: '1' };
  }
  const entities = ctx.oidc.entities as Record<
    string,
    { amr?: string[]; acr?: string; authTime?: number } | undefined
  >;
  // The resource indicator: the audience of Warden's own resources, a registered API's identifier
  // URI (whose audience is its application id); its scopes are named after it.
  const resource = (token as { resourceServer?: { identifier(): string } }).resourceServer?.identifier();
  const grant = ctx.oidc.entities.Grant;
  // The first sign-in's proof travels code -> refresh token -> rotated refresh token; nothing adds to it.
  const source = entities.RefreshToken ?? entities.AuthorizationCode ?? entities.DeviceCode;
  const account = ctx.oidc.entities.Account as unknown as WardenAccount | undefined;
  const user = account?.user;
  const grantId = (token as { grantId?: string }).grantId;
  return {
    ...base,
    idtyp: 'user',
    // The grant the token was issued under, as a reference: the gates' revocation list matches it
    // when the grant ends (sessions/revocations.ts).
    gid: grantId ? grantReference(grantId) : undefined,
    appidacr: client?.clientAuthMethod === 'none' ? '0' : '1',
    amr: source?.amr ?? [],
    acr: source?.acr,
    auth_time: source?.authTime,
    scp: delegatedScp(
      (token as { scope?: string }).scope,
      resource,
      grant?.getResourceScope(resource ?? '') ?? '',
    ),
    ...(user ? userClaims(user) : {}),
    ...(account?.delegated ? { idp: account.delegated.idp, wids: account.delegated.wids } : {}),
    ipaddr: ctx.ip,
  };
}
