import type { ClientMetadata } from 'oidc-provider';
import { findClientForTenant, unsealClientSecret } from '../directory/applications.ts';
import type { SecretBox } from '../security/secret-box.ts';
import type { Db } from '../storage/database.ts';
import { DEVICE_CODE_GRANT } from './device-flow.ts';

const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'];

// Unsealed secrets by their sealed form: a changed secret has a new sealed form, so the row is
// still read on every request (revocation is immediate) but AES-GCM runs once per secret.
const unsealed = new Map<string, string>();
function openSecret(box: SecretBox, clientId: string, sealed: string): string {
  let secret = unsealed.get(sealed);
  if (secret === undefined) {
    if (unsealed.size >= 1000) unsealed.clear();
    secret = unsealClientSecret(box, clientId, sealed);
    unsealed.set(sealed, secret);
  }
  return secret;
}

/** The `Client` model of oidc-provider, read from the directory's applications. */
export class DirectoryClientAdapter {
  readonly #db: Db;
  readonly #box: SecretBox;
  readonly #tenantId: string;

  constructor(db: Db, box: SecretBox, tenantId: string) {
    this.#db = db;
    this.#box = box;
    this.#tenantId = tenantId;
  }

  async find(clientId: string): Promise<ClientMetadata | undefined> {
    const found = await findClientForTenant(this.#db, this.#tenantId, clientId);
    if (!found) return undefined;
    const app = found.application;
    const clientSecret = found.sealedSecret ? openSecret(this.#box, app.id, found.sealedSecret) : undefined;
    const interactive = app.redirectUris.length > 0;
    const native = app.redirectUris.some((u) => /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])([:/]|$)/.test(u));
    const grantTypes = [
      ...(interactive ? ['authorization_code'] : []),
      // RFC 8628: public clients (CLIs, devices) may sign users in by device code.
      ...(app.clientType === 'public' ? [DEVICE_CODE_GRANT] : []),
      ...(interactive || app.clientType === 'public' ? ['refresh_token'] : []),
      // App-only access exists only in the app's home tenant: another tenant has granted it no roles.
      ...(app.clientType === 'confidential' && app.tenantId === this.#tenantId ? ['client_credentials'] : []),
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
      token_endpoint_auth_method: app.clientType === 'public' ? 'none' : 'client_secret_post',
      ...(clientSecret ? { client_secret: clientSecret } : {}),
      scope: [...OIDC_SCOPES, ...app.allowedScopes].join(' '),
      'urn:warden:home_tenant': app.tenantId,
      'urn:warden:granted_app_roles': app.grantedAppRoles,
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
