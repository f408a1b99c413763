import { randomUUID } from 'node:crypto';
import type { RawBuilder, SqlBool } from 'kysely';
import { isGuid } from '../guid.ts';
import type { SecretBox } from '../security/secret-box.ts';
import { type Db, inTransaction } from '../storage/database.ts';
import type { ApplicationTable } from '../storage/schema.ts';
import { deleteApplicationApi } from './application-apis.ts';
import { addCredential, generateSecret, NEVER_EXPIRES } from './application-credentials.ts';

export interface Application {
  tenantId: string;
  /** The application id: Graph `appId`, the OAuth `client_id`, tokens' `appid`/`azp`; a GUID. */
  id: string;
  /** The application object's id (Graph `id`), distinct from the application id as in Entra. */
  objectId: string;
  /** Object id of the app's service principal in its home tenant: app-only tokens' `oid` there. */
  servicePrincipalId: string;
  /** A human-readable `client_id` that resolves to `id` (tokens/client-id-aliases.ts), or null. */
  clientIdAlias: string | null;
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
  createdAt: number;
}

export interface NewApplication {
  /** A fixed application id (a GUID: the first-party clients'); otherwise a random one. */
  id?: string;
  /** A human-readable client id that also names the client at the token endpoint (demo, first party). */
  clientIdAlias?: string;
  displayName: string;
  clientType: 'public' | 'confidential';
  redirectUris?: string[];
  multiTenant?: boolean;
  appRoles?: string[];
  grantedAppRoles?: string[];
  allowedScopes: string[];
  /**
   * The first secret of a confidential client: one the caller derives itself (the dashboard's,
   * from the master key), `false` for none (Graph registration: secrets come from addPassword),
   * otherwise one is generated. It never expires: these are the operator's and the demo's clients.
   */
  clientSecret?: string | false;
}

function toApplication(row: ApplicationTable): Application {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    objectId: row.object_id,
    servicePrincipalId: row.service_principal_id,
    clientIdAlias: row.client_id_alias,
    displayName: row.display_name,
    clientType: row.client_type,
    redirectUris: JSON.parse(row.redirect_uris) as string[],
    multiTenant: row.multi_tenant === 1,
    appRoles: JSON.parse(row.app_roles) as string[],
    grantedAppRoles: JSON.parse(row.granted_app_roles) as string[],
    allowedScopes: JSON.parse(row.allowed_scopes) as string[],
    createdAt: row.created_at,
  };
}

/**
 * Registers a client, with its first secret (returned once, stored only sealed in
 * application_credentials) when it is confidential and one is wanted.
 */
export async function createApplication(
  db: Db,
  box: SecretBox,
  tenantId: string,
  input: NewApplication,
  now = Date.now(),
): Promise<{ application: Application; clientSecret: string | undefined }> {
  const id = input.id ?? randomUUID();
  const clientSecret =
    input.clientType === 'confidential' && input.clientSecret !== false
      ? (input.clientSecret ?? generateSecret())
      : undefined;
  if (!isGuid(id)) throw new Error('an application id is a GUID; a readable name is its clientIdAlias');
  if (isGuid(input.clientIdAlias)) throw new Error('a client id alias is a name, not a GUID');
  const row: ApplicationTable = {
    tenant_id: tenantId,
    id,
    object_id: randomUUID(),
    service_principal_id: randomUUID(),
    client_id_alias: input.clientIdAlias ?? null,
    display_name: input.displayName,
    client_type: input.clientType,
    redirect_uris: JSON.stringify(input.redirectUris ?? []),
    multi_tenant: input.multiTenant ? 1 : 0,
    app_roles: JSON.stringify(input.appRoles ?? []),
    granted_app_roles: JSON.stringify(input.grantedAppRoles ?? []),
    allowed_scopes: JSON.stringify(input.allowedScopes),
    created_at: now,
  };
  await inTransaction(db, async (trx) => {
    await trx.insertInto('applications').values(row).execute();
    if (clientSecret)
      await addCredential(
        trx,
        box,
        tenantId,
        id,
        { secret: clientSecret, displayName: null, endAt: NEVER_EXPIRES },
        now,
      );
  });
  return { application: toApplication(row), clientSecret };
}

/** An application registered in this tenant (its home tenant: where it is managed), by application id. */
export async function getApplication(db: Db, tenantId: string, id: string): Promise<Application | undefined> {
  const row = await db
    .selectFrom('applications')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row && toApplication(row);
}

/** An application registered in this tenant by its object id (Graph `/applications/{id}`). */
export async function getApplicationByObjectId(
  db: Db,
  tenantId: string,
  objectId: string,
): Promise<Application | undefined> {
  const row = await db
    .selectFrom('applications')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('object_id', '=', objectId)
    .executeTakeFirst();
  return row && toApplication(row);
}

/** One page of a tenant's applications in object id order, after `afterId`, with the given conditions. */
export async function listApplications(
  db: Db,
  tenantId: string,
  query: { conditions: RawBuilder<SqlBool>[]; afterId: string | undefined; limit: number },
): Promise<Application[]> {
  let q = db.selectFrom('applications').selectAll().where('tenant_id', '=', tenantId);
  for (const condition of query.conditions) q = q.where(condition);
  if (query.afterId !== undefined) q = q.where('object_id', '>', query.afterId);
  const rows = await q.orderBy('object_id').limit(query.limit).execute();
  return rows.map(toApplication);
}

/** Changes the name and redirect URIs; false when the tenant has no such application. */
export async function updateApplication(
  db: Db,
  tenantId: string,
  id: string,
  changes: { displayName?: string; redirectUris?: string[] },
): Promise<boolean> {
  const set: Partial<ApplicationTable> = {};
  if (changes.displayName !== undefined) set.display_name = changes.displayName;
  if (changes.redirectUris !== undefined) set.redirect_uris = JSON.stringify(changes.redirectUris);
  if (Object.keys(set).length === 0) return (await getApplication(db, tenantId, id)) !== undefined;
  const result = await db
    .updateTable('applications')
    .set(set)
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * Deletes an application with everything that lets it act: its secrets and certificates, and the grants it holds
 * with their refresh tokens and codes (in every tenant a multi-tenant client was used in; client
 * ids are unique across tenants). Its JWT access tokens run out on their own. False when the
 * tenant has no such application.
 */
export async function deleteApplication(db: Db, tenantId: string, id: string): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    const app = await getApplication(trx, tenantId, id);
    if (!app) return false;
    await trx
      .deleteFrom('application_credentials')
      .where('tenant_id', '=', tenantId)
      .where('application_id', '=', id)
      .execute();
    await trx
      .deleteFrom('application_key_credentials')
      .where('tenant_id', '=', tenantId)
      .where('application_id', '=', id)
      .execute();
    // oidc-provider keeps a grant's client in its JSON payload only: LIKE narrows (a stray `_`
    // wildcard only widens it), the parsed payload decides.
    let grants = trx
      .selectFrom('oidc_payloads')
      .select(['tenant_id', 'id', 'payload'])
      .where('model', '=', 'Grant')
      .where('payload', 'like', `%${JSON.stringify({ clientId: id }).slice(1, -1)}%`);
    if (!app.multiTenant) grants = grants.where('tenant_id', '=', tenantId);
    for (const grant of await grants.execute()) {
      const payload = JSON.parse(grant.payload) as { clientId?: string; jti?: string };
      if (payload.clientId !== id) continue;
      if (payload.jti)
        await trx
          .deleteFrom('oidc_payloads')
          .where('tenant_id', '=', grant.tenant_id)
          .where('grant_id', '=', payload.jti)
          .execute();
      await trx
        .deleteFrom('oidc_payloads')
        .where('tenant_id', '=', grant.tenant_id)
        .where('model', '=', 'Grant')
        .where('id', '=', grant.id)
        .execute();
    }
    await deleteApplicationApi(trx, tenantId, id); // the API it exposed ends with it
    await trx.deleteFrom('applications').where('tenant_id', '=', tenantId).where('id', '=', id).execute();
    return true;
  });
}

/**
 * The client as seen from one tenant's authority (registered in that tenant, or multi-tenant),
 * with its secrets usable at `now`, still sealed: one query for every client authentication.
 */
export async function findClientForTenant(
  db: Db,
  tenantId: string,
  clientId: string,
  now: number,
): Promise<{ application: Application; sealedSecrets: string[] } | undefined> {
  const rows = await db
    .selectFrom('applications')
    .leftJoin('application_credentials as c', (join) =>
      join
        .onRef('c.tenant_id', '=', 'applications.tenant_id')
        .onRef('c.application_id', '=', 'applications.id')
        .on('c.end_at', '>', now),
    )
    .selectAll('applications')
    .select('c.secret_sealed')
    .where('applications.id', '=', clientId)
    .where((eb) =>
      eb.or([eb('applications.tenant_id', '=', tenantId), eb('applications.multi_tenant', '=', 1)]),
    )
    .execute();
  const first = rows[0];
  if (!first) return undefined;
  const own = rows.filter((row) => row.tenant_id === first.tenant_id);
  return {
    application: toApplication(first),
    sealedSecrets: own.flatMap((row) => (row.secret_sealed === null ? [] : [row.secret_sealed])),
  };
}
