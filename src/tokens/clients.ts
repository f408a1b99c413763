import { generateKeyPairSync } from 'node:crypto';
import type { JWK } from 'jose';
import type { ClientMetadata, KoaContextWithOIDC } from 'oidc-provider';
import Provider from 'oidc-provider';
import { type Clock, systemClock } from '../clock.ts';
import { openSealedSecret } from '../directory/application-credentials.ts';
import { certificatesNamedBy } from '../directory/application-key-credentials.ts';
import { type Application, findClientForTenant } from '../directory/applications.ts';
import { safeEqual } from '../security/constant-time.ts';
import type { SecretBox } from '../security/secret-box.ts';
import { servicePrincipalAppRoles } from '../service-principals/service-principals.ts';
import type { Db } from '../storage/database.ts';
import { certificateKeys, presentedAssertion, secretSigning } from './client-assertions.ts';
import { DEVICE_CODE_GRANT } from './device-flow.ts';

const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'];

// Unsealed secrets by their sealed form: a removed or expired secret is no longer read from the
// database on the next request (revocation is immediate), but AES-GCM runs once per secret.
const unsealed = new Map<string, string>();
function openSecret(box: SecretBox, clientId: string, sealed: string): string {
  let secret = unsealed.get(sealed);
  if (secret === undefined) {
    if (unsealed.size >= 1000) unsealed.clear();
    secret = openSealedSecret(box, clientId, sealed);
    unsealed.set(sealed, secret);
  }
  return secret;
}

// What a confidential client is given as `client_secret` when no usable secret matches the one
// presented (or none is presented, as at the authorization endpoint): random, never disclosed, so
// oidc-provider's own comparison fails with invalid_client. Constant per process, so its cache of
// clients (keyed by their metadata) is not flooded.
const NO_MATCH = `unusable-${crypto.randomUUID()}-${crypto.randomUUID()}`;

// The public key given to private_key_jwt when no certificate of the client is usable: its private
// half is dropped at once, so no assertion verifies with it. Constant per process (client cache).
const UNUSABLE_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
  format: 'jwk',
}) as JWK;

/** The client secret of the request being served (form body or HTTP Basic, RFC 6749 §2.3.1). */
function presentedSecret(): string | undefined {
  const ctx = (Provider as unknown as { ctx?: KoaContextWithOIDC }).ctx;
  const fromBody = (ctx?.oidc?.params as Record<string, unknown> | undefined)?.client_secret;
  if (typeof fromBody === 'string' && fromBody !== '') return fromBody;
  const [scheme, value] = (ctx?.headers.authorization ?? '').split(' ');
  if (scheme?.toLowerCase() !== 'basic' || !value) return undefined;
  const basic = Buffer.from(value, 'base64').toString('utf8');
  const colon = basic.indexOf(':');
  if (colon < 0) return undefined;
  try {
    return decodeURIComponent(basic.slice(colon + 1).replace(/\+/g, '%20'));
  } catch {
    return undefined;
  }
}

/** The `grant_type` of the token request being served, if it is one. */
function requestedGrantType(): unknown {
  const ctx = (Provider as unknown as { ctx?: KoaContextWithOIDC }).ctx;
  return (ctx?.oidc?.params as Record<string, unknown> | undefined)?.grant_type;
}

/**
 * The `Client` model of oidc-provider, read from the directory's applications.
 *
 * An application may hold several secrets at once (rotation without downtime), while
 * oidc-provider compares one `client_secret`. `find` runs inside the request (oidc-provider's
 * AsyncLocalStorage gives its context), so it looks at the secret presented, compares it in
 * constant time with each unexpired secret, and hands oidc-provider the one that matches; an
 * expired, removed or wrong secret leaves only NO_MATCH, and authentication fails with
 * `invalid_client`.
 */
export class DirectoryClientAdapter {
  readonly #db: Db;
  readonly #box: SecretBox;
  readonly #tenantId: string;
  readonly #clock: Clock;

  constructor(db: Db, box: SecretBox, tenantId: string, clock: Clock = systemClock) {
    this.#db = db;
    this.#box = box;
    this.#tenantId = tenantId;
    this.#clock = clock;
  }

  #matchingSecret(clientId: string, sealed: string[]): string {
    const presented = presentedSecret();
    if (presented === undefined) return NO_MATCH;
    let match: string | undefined;
    // Every usable secret is compared, matched or not, so timing does not tell which one matched.
    for (const s of sealed) {
      const secret = openSecret(this.#box, clientId, s);
      if (safeEqual(secret, presented) && match === undefined) match = secret;
    }
    return match ?? NO_MATCH;
  }

  /**
   * How a confidential client authenticates this request, with the key material for it: the
   * method follows what the request presents (oidc-provider refuses a method the client is not
   * registered with, and every confidential client may use each of these):
   * - a client assertion signed with HS*: `client_secret_jwt`, with the secret that signed it;
   * - any other client assertion: `private_key_jwt`, with the certificate the header names;
   * - otherwise a secret in the body or HTTP Basic (`client_secret_post`, which oidc-provider
   *   accepts for both), with the secret presented if it is one of the app's.
   * See client-assertions.ts for how keys are chosen without telling which exist.
   */
  async #authentication(app: Application, sealed: string[]): Promise<Partial<ClientMetadata>> {
    const assertion = presentedAssertion();
    if (assertion?.header.alg?.startsWith('HS')) {
      const secrets = sealed.map((s) => openSecret(this.#box, app.id, s));
      return {
        token_endpoint_auth_method: 'client_secret_jwt',
        client_secret: (await secretSigning(assertion.jwt, secrets)) ?? NO_MATCH,
      };
    }
    if (assertion) {
      const named = await certificatesNamedBy(this.#db, app.tenantId, app.id, assertion.header);
      const keys = certificateKeys(named, assertion.header, this.#clock.now());
      return {
        token_endpoint_auth_method: 'private_key_jwt',
        // No usable certificate: a key nobody holds, so the signature check fails (invalid_client).
        jwks: { keys: keys.length > 0 ? keys : [UNUSABLE_KEY] },
      };
    }
    return {
      token_endpoint_auth_method: 'client_secret_post',
      client_secret: this.#matchingSecret(app.id, sealed),
    };
  }

  async find(clientId: string): Promise<ClientMetadata | undefined> {
    const found = await findClientForTenant(this.#db, this.#tenantId, clientId, this.#clock.now());
    if (!found) return undefined;
    const app = found.application;
    // Reference §3.3: at a customer's authority, a confidential multi-tenant app acts alone only
    // through the service principal a partner's consent left there, with the roles consented.
    const foreign = app.tenantId !== this.#tenantId;
    const consented =
      foreign && app.multiTenant && app.clientType === 'confidential'
        ? await servicePrincipalAppRoles(this.#db, this.#tenantId, app)
        : undefined;
    const consentedRoles = consented?.appRoles;
    // Entra (AADSTS7000229): an app asking for app-only tokens where it has no service principal
    // is an unknown client there (invalid_client), not merely one refused this grant.
    if (
      foreign &&
      app.clientType === 'confidential' &&
      consentedRoles === undefined &&
      requestedGrantType() === 'client_credentials'
    )
      return undefined;
    const interactive = app.redirectUris.length > 0;
    const native = app.redirectUris.some((u) => /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])([:/]|$)/.test(u));
    const grantTypes = [
      ...(interactive ? ['authorization_code'] : []),
      // RFC 8628: public clients (CLIs, devices) may sign users in by device code.
      ...(app.clientType === 'public' ? [DEVICE_CODE_GRANT] : []),
      ...(interactive || app.clientType === 'public' ? ['refresh_token'] : []),
      // App-only access exists in the app's home tenant, and in a tenant holding its service principal.
      ...(app.clientType === 'confidential' && (!foreign || consentedRoles !== undefined)
        ? ['client_credentials']
        : []),
    ];
    if (grantTypes.length === 0) return undefined; // nothing this client may do at this authority
    return {
      client_id: app.id,
      client_name: app.displayName,
      application_type: native ? 'native' : 'web',
      redirect_uris: app.redirectUris,
      post_logout_redirect_uris: app.redirectUris,
      response_types: interactive ? ['code'] : [],
      grant_types: grantTypes,
      ...(app.clientType === 'public'
        ? { token_endpoint_auth_method: 'none' }
        : await this.#authentication(app, found.sealedSecrets)),
      scope: [...OIDC_SCOPES, ...app.allowedScopes].join(' '),
      'urn:warden:home_tenant': app.tenantId,
      'urn:warden:granted_app_roles': foreign ? (consentedRoles ?? []) : app.grantedAppRoles,
      // The app's service principal at this authority (app-only tokens' `oid`/`sub`): its own in
      // its home tenant, the consented one in a customer's.
      ...(foreign
        ? consented
          ? { 'urn:warden:service_principal_id': consented.servicePrincipalId }
          : {}
        : { 'urn:warden:service_principal_id': app.servicePrincipalId }),
    };
  }

  // Clients are managed through the directory, never through the protocol.
  async upsert(): Promise<void> {
    throw new Error('clients are registered in the directory');
  }
  async findByUid(): Promise<undefined> {
    return undefined;
  }
  async findByUserCode(): Promise<undefined> {
    return undefined;
  }
  async consume(): Promise<void> {}
  async destroy(): Promise<void> {}
  async revokeByGrantId(): Promise<void> {}
}
