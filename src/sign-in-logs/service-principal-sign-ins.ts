import { randomUUID } from 'node:crypto';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Clock } from '../clock.ts';
import { SIGN_IN_ERRORS, type SignInErrorCode } from '../errors/sign-in-errors.ts';
import { canonicalGuid } from '../guid.ts';
import { RESOURCE_SERVERS } from '../tokens/audiences.ts';
import { assertionRefusalOf } from '../tokens/client-assertions.ts';
import { clientAuthError } from '../tokens/client-auth-answers.ts';
import { resourcesFromScope } from '../tokens/resource-selection.ts';
import { servicePrincipalIdOf } from '../tokens/token-claims.ts';
import { RESOURCE_DISPLAY_NAMES } from './resource-names.ts';
import type { ServicePrincipalSignInWriter } from './service-principal-sign-in-writer.ts';

interface OAuthError {
  error?: string;
  error_description?: string;
  error_detail?: string;
}

/**
 * Service-principal sign-ins (issue 12 item 5; reference §8: Graph `signIn` with
 * `signInEventTypes: ["servicePrincipal"]`): every client-credentials token request at this
 * tenant's authority, granted or refused, is a row of the tenant's log. oidc-provider's
 * `grant.success` and `grant.error` events fire once the answer is decided; the row goes to the
 * writer's buffer, so the token endpoint never waits for the database.
 *
 * The presented client secret is never read here: a row holds the app, the resource, the outcome
 * and where the request came from, nothing the request authenticated with.
 */
export function logServicePrincipalSignIns(
  provider: Provider,
  tenantId: string,
  writer: ServicePrincipalSignInWriter,
  clock: Clock,
): void {
  const record = (ctx: KoaContextWithOIDC, error?: OAuthError) => {
    const params = ctx.oidc?.params as Record<string, unknown> | undefined;
    if (params?.grant_type !== 'client_credentials') return;
    const client = ctx.oidc.client;
    const appId = client?.clientId ?? presentedClientId(ctx, params);
    const resource = resourceOf(ctx, params);
    const errorCode = error ? entraCodeOf(error, assertionRefusalOf(ctx)) : 0;
    const now = clock.now();
    writer.record({
      tenant_id: tenantId,
      id: timeOrderedId(now),
      created_at: now,
      app_id: appId,
      app_display_name: bounded(client?.clientName, 256),
      // The app's service principal in this tenant (its object id, as app-only tokens' `oid`).
      service_principal_id: servicePrincipalIdOf(client) ?? null,
      ip_address: bounded(ctx.ip, 64),
      resource_id: resource ?? null,
      resource_display_name: resource ? (RESOURCE_DISPLAY_NAMES[resource] ?? resource) : null,
      client_credential_type: credentialTypeOf(client?.clientAuthMethod),
      error_code: errorCode,
      failure_reason: errorCode === 0 ? null : SIGN_IN_ERRORS[errorCode].userMessage,
      // Entra logs the caller's `client-request-id` as the correlation id when it is a GUID.
      correlation_id: canonicalGuid(ctx.get('client-request-id')) ?? randomUUID(),
    });
  };
  provider.on('grant.success', (ctx) => record(ctx));
  provider.on('grant.error', (ctx, error) => record(ctx, error as OAuthError));
}

/** Graph `signIn.clientCredentialType` of the client authentication method used. */
function credentialTypeOf(method: string | undefined): string {
  switch (method) {
    case 'private_key_jwt':
      return 'certificate';
    case 'client_secret_jwt':
      return 'clientAssertion';
    default:
      return 'clientSecret';
  }
}

/**
 * Entra's code for a refused client-credentials request (reference §8.3 and Entra's AADSTS list),
 * from oidc-provider's error and its detail (oidc-provider's wording, lib/shared/client_auth.js).
 */
export function entraCodeOf(error: OAuthError, refusal?: string): SignInErrorCode {
  switch (error.error) {
    case 'invalid_client': {
      if (error.error_detail === 'client not found') return 700016;
      const credential = clientAuthError(error.error_detail, refusal);
      if (credential) return credential.code as SignInErrorCode;
      if (error.error_detail === 'invalid secret provided' || error.error_detail?.includes('expired'))
        return 7000215;
      return 7000218;
    }
    case 'invalid_scope':
      return 70011;
    case 'invalid_target':
      return 500011;
    case 'unauthorized_client':
      return 70003;
    case 'invalid_request':
      // oidc-provider's InvalidRequest carries its reason as the description, not the detail.
      return `${error.error_description} ${error.error_detail}`.includes('grant type is not allowed')
        ? 70003
        : 90014;
    default:
      return 90014;
  }
}

/** The resource a granted token is for, or the one a refused request asked for (when Warden knows it). */
function resourceOf(ctx: KoaContextWithOIDC, params: Record<string, unknown>): string | undefined {
  const token = ctx.oidc.entities.ClientCredentials as
    | { resourceServer?: { audience?: unknown } }
    | undefined;
  const granted = token?.resourceServer?.audience;
  if (typeof granted === 'string') return granted;
  const asked = typeof params.resource === 'string' ? params.resource : resourcesFromScope(params.scope)[0];
  return asked !== undefined && RESOURCE_SERVERS.has(asked) ? asked : undefined;
}

/**
 * The client id a refused request named (form `client_id`, or the user part of HTTP Basic,
 * RFC 6749 §2.3.1); the password part of the Basic credentials is not decoded.
 */
function presentedClientId(ctx: KoaContextWithOIDC, params: Record<string, unknown>): string | null {
  if (typeof params.client_id === 'string') return bounded(params.client_id, 64);
  const [scheme, value] = (ctx.get('authorization') ?? '').split(' ');
  if (scheme?.toLowerCase() !== 'basic' || !value) return null;
  const basic = Buffer.from(value, 'base64').toString('utf8');
  const colon = basic.indexOf(':');
  if (colon <= 0) return null;
  try {
    return bounded(decodeURIComponent(basic.slice(0, colon).replace(/\+/g, '%20')), 64);
  } catch {
    return null;
  }
}

/**
 * A UUID version 7 (RFC 9562 §5.7: 48 bits of Unix milliseconds, then random bits): ids of one
 * tenant's rows arrive in ascending order, so the primary key's B-tree grows at its end instead
 * of at random places. This is most of what a row costs to insert (SQLite: about a third).
 */
export function timeOrderedId(ms: number): string {
  const time = Math.max(0, Math.min(ms, 2 ** 48 - 1))
    .toString(16)
    .padStart(12, '0');
  const random = randomUUID(); // version 4: its variant bits (RFC 9562 §4.1) are kept as they are
  return `${time.slice(0, 8)}-${time.slice(8)}-7${random.slice(15, 18)}-${random.slice(19)}`;
}

/** The text cut to the column's width: a caller's long value must not fail the batch it is written in. */
function bounded(value: unknown, length: number): string | null {
  return typeof value === 'string' && value !== '' ? value.slice(0, length) : null;
}
