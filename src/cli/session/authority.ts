import * as client from 'openid-client';
import { RefusedError, ServerError } from '../errors.ts';
import { fetchFrom, isNetworkFailure, unreachable } from './network.ts';

/** A tenant's authority at a server, configured for the CLI's public client. */
export interface Authority {
  server: string;
  tenantId: string;
  issuer: string;
  config: client.Configuration;
}

/** openid-client refuses plain http unless told; a local server on http is the common case. */
function clientOptions(issuer: string): client.DiscoveryRequestOptions {
  return new URL(issuer).protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : {};
}

/**
 * Finds a tenant's authority by domain or id. The issuer names the tenant by id, so a domain's
 * discovery document is read first to learn it; openid-client then discovers the issuer itself and
 * checks that the document's `issuer` matches it (OIDC Discovery §4.3).
 */
export async function discoverAuthority(
  server: string,
  tenant: string,
  clientId: string,
  clientSecret?: string,
): Promise<Authority> {
  const response = await fetchFrom(
    server,
    `${server}/${encodeURIComponent(tenant)}/v2.0/.well-known/openid-configuration`,
  );
  if (response.status === 404) {
    throw new RefusedError(
      `The server ${server} has no tenant '${tenant}'.`,
      'Check the domain or tenant id given with --tenant, and the server (--server or WARDEN_SERVER).',
    );
  }
  if (!response.ok) throw new ServerError(`${server} answered ${response.status} to the tenant's discovery.`);
  const metadata = (await response.json().catch(() => ({}))) as { issuer?: unknown };
  if (typeof metadata.issuer !== 'string')
    throw new ServerError(
      `${server} did not answer with an OpenID Connect discovery document: is it Warden?`,
    );
  return authorityOf(server, metadata.issuer, clientId, clientSecret);
}

/**
 * The authority of a known issuer (a cached session's). With `clientSecret` the client is a
 * confidential one (`client_secret_post`, as Warden registers them: src/tokens/clients.ts).
 */
export async function authorityOf(
  server: string,
  issuer: string,
  clientId: string,
  clientSecret?: string,
): Promise<Authority> {
  let config: client.Configuration;
  try {
    config = await client.discovery(
      new URL(issuer),
      clientId,
      undefined,
      clientSecret === undefined ? client.None() : client.ClientSecretPost(clientSecret),
      clientOptions(issuer),
    );
  } catch (error) {
    if (isNetworkFailure(error)) throw unreachable(server, error);
    throw new ServerError(`The discovery of ${issuer} failed: ${(error as Error).message}`);
  }
  const tenantId = new URL(issuer).pathname.split('/')[1] ?? '';
  return { server, tenantId, issuer, config };
}
