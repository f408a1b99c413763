import { randomBytes, randomUUID } from 'node:crypto';
import type { SecretBox } from '../security/secret-box.ts';
import type { Db } from '../storage/database.ts';
import type { ApplicationTable } from '../storage/schema.ts';

export interface Application {
  tenantId: string;
  id: string;
  displayName: string;
  clientType: 'public' | 'confidential';
  redirectUris: string[];
  multiTenant: boolean;
  /** App roles this application defines (Entra `appRoles`). */
  appRoles: string[];
  /** Roles granted to this application for app-only calls (its token's `roles`). */
  grantedAppRoles: string[];
  /** Scopes the client may request, e.g. `urn:warden:partner-api/user_impersonation`. */
  allowedScopes: string[];
}

export interface NewApplication {
  id?: string;
  displayName: string;
  clientType: 'public' | 'confidential';
  redirectUris?: string[];
  multiTenant?: boolean;
  appRoles?: string[];
  grantedAppRoles?: string[];
  allowedScopes: string[];
  /** A secret the caller derives itself (the dashboard's, from the master key); otherwise one is generated. */
  clientSecret?: string;
}

function toApplication(row: ApplicationTable): Application {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    displayName: row.display_name,
    clientType: row.client_type,
    redirectUris: JSON.parse(row.redirect_uris) as string[],
    multiTenant: row.multi_tenant === 1,
    appRoles: JSON.parse(row.app_roles) as string[],
    grantedAppRoles: JSON.parse(row.granted_app_roles) as string[],
    allowedScopes: JSON.parse(row.allowed_scopes) as string[],
  };
}

/** Registers a client. A confidential client gets a secret, returned once and stored only sealed. */
export async function createApplication(
  db: Db,
  box: SecretBox,
  tenantId: string,
  input: NewApplication,
  now = Date.now(),
): Promise<{ application: Application; clientSecret: string | undefined }> {
  const id = input.id ?? randomUUID();
  const clientSecret =
    input.clientType === 'confidential'
      ? (input.clientSecret ?? randomBytes(32).toString('base64url'))
      : undefined;
  const row: ApplicationTable = {
    tenant_id: tenantId,
    id,
    display_name: input.displayName,
    client_type: input.clientType,
    client_secret_sealed: clientSecret ? box.seal(clientSecret, `client:${id}`) : null,
    redirect_uris: JSON.stringify(input.redirectUris ?? []),
    multi_tenant: input.multiTenant ? 1 : 0,
    app_roles: JSON.stringify(input.appRoles ?? []),
    granted_app_roles: JSON.stringify(input.grantedAppRoles ?? []),
    allowed_scopes: JSON.stringify(input.allowedScopes),
    created_at: now,
  };
  await db.insertInto('applications').values(row).execute();
  return { application: toApplication(row), clientSecret };
}

/**
 * The client as seen from one tenant's authority: registered in that tenant, or multi-tenant.
 * The secret stays sealed here; `unsealClientSecret` opens it for oidc-provider's comparison.
 */
export async function findClientForTenant(
  db: Db,
  tenantId: string,
  clientId: string,
): Promise<{ application: Application; sealedSecret: string | null } | undefined> {
  const row = await db
    .selectFrom('applications')
    .selectAll()
    .where('id', '=', clientId)
    .where((eb) => eb.or([eb('tenant_id', '=', tenantId), eb('multi_tenant', '=', 1)]))
    .executeTakeFirst();
  return row && { application: toApplication(row), sealedSecret: row.client_secret_sealed };
}

export function unsealClientSecret(box: SecretBox, clientId: string, sealed: string): string {
  return box.open(sealed, `client:${clientId}`);
}
