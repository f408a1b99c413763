import { type Db, inTransaction, isUniqueViolation } from '../storage/database.ts';
import type { ApplicationApiTable } from '../storage/schema.ts';

/*
 * Entra's "expose an API" (issue 13): a registered application may be a resource server, named by
 * its identifier URIs (`api://{appId}`), with delegated scopes (`access_as_user`) and app roles.
 * Its access tokens are Entra v2.0 tokens for it: `aud` is its application id. Kept apart from the
 * application row: most applications expose nothing.
 */

/** The `typ` header of the API's access tokens (Warden extension, docs/resources.md). */
export type ApiAccessTokenType = ApplicationApiTable['access_token_type'];

/** Graph `permissionScope`: one delegated permission the API defines. */
export interface PermissionScope {
  id: string;
  value: string;
  type: 'User' | 'Admin';
  isEnabled: boolean;
  adminConsentDisplayName: string | null;
  adminConsentDescription: string | null;
  userConsentDisplayName: string | null;
  userConsentDescription: string | null;
}

/** Graph `appRole`: one role the API defines, for users and groups, applications, or both. */
export interface AppRole {
  id: string;
  value: string;
  displayName: string | null;
  description: string | null;
  allowedMemberTypes: ('User' | 'Application')[];
  isEnabled: boolean;
}

export interface ApplicationApi {
  identifierUris: string[];
  scopes: PermissionScope[];
  appRoles: AppRole[];
  accessTokenType: ApiAccessTokenType;
}

/** What an application exposes when it exposes nothing (Graph's empty `api`). */
export const NO_API: ApplicationApi = {
  identifierUris: [],
  scopes: [],
  appRoles: [],
  accessTokenType: 'JWT',
};

/** An identifier URI is already another application's in this tenant (Entra refuses it too). */
export class IdentifierUriTaken extends Error {}

/** The APIs of some of a tenant's applications, by application id (NO_API for those exposing none). */
export async function applicationApisOf(
  db: Db,
  tenantId: string,
  applicationIds: readonly string[],
): Promise<Map<string, ApplicationApi>> {
  const out = new Map<string, ApplicationApi>();
  if (applicationIds.length === 0) return out;
  const [rows, uris] = await Promise.all([
    db
      .selectFrom('application_apis')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('application_id', 'in', [...applicationIds])
      .execute(),
    db
      .selectFrom('application_identifier_uris')
      .select(['application_id', 'uri'])
      .where('tenant_id', '=', tenantId)
      .where('application_id', 'in', [...applicationIds])
      .orderBy('uri')
      .execute(),
  ]);
  for (const row of rows) {
    out.set(row.application_id, {
      identifierUris: uris.filter((u) => u.application_id === row.application_id).map((u) => u.uri),
      scopes: JSON.parse(row.scopes) as PermissionScope[],
      appRoles: JSON.parse(row.app_roles) as AppRole[],
      accessTokenType: row.access_token_type,
    });
  }
  return out;
}

/**
 * Sets what an application exposes (Graph POST/PATCH: each given part replaces the one stored), in
 * one transaction; an identifier URI another application of the tenant holds fails the whole
 * change with IdentifierUriTaken (the unique key decides, also between two concurrent writes).
 */
export async function setApplicationApi(
  db: Db,
  tenantId: string,
  applicationId: string,
  changes: Partial<ApplicationApi>,
): Promise<ApplicationApi> {
  try {
    return await inTransaction(db, async (trx) => {
      const current = (await applicationApisOf(trx, tenantId, [applicationId])).get(applicationId) ?? NO_API;
      const next: ApplicationApi = { ...current, ...changes };
      await trx
        .deleteFrom('application_apis')
        .where('tenant_id', '=', tenantId)
        .where('application_id', '=', applicationId)
        .execute();
      await trx
        .insertInto('application_apis')
        .values({
          tenant_id: tenantId,
          application_id: applicationId,
          scopes: JSON.stringify(next.scopes),
          app_roles: JSON.stringify(next.appRoles),
          access_token_type: next.accessTokenType,
        })
        .execute();
      if (changes.identifierUris) {
        await trx
          .deleteFrom('application_identifier_uris')
          .where('tenant_id', '=', tenantId)
          .where('application_id', '=', applicationId)
          .execute();
        if (next.identifierUris.length > 0)
          await trx
            .insertInto('application_identifier_uris')
            .values(
              next.identifierUris.map((uri) => ({ tenant_id: tenantId, uri, application_id: applicationId })),
            )
            .execute();
      }
      return next;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new IdentifierUriTaken('an identifier URI is already in use');
    throw error;
  }
}

/** Removes what an application exposes (with the application: directory/applications.ts). */
export async function deleteApplicationApi(db: Db, tenantId: string, applicationId: string): Promise<void> {
  await db
    .deleteFrom('application_identifier_uris')
    .where('tenant_id', '=', tenantId)
    .where('application_id', '=', applicationId)
    .execute();
  await db
    .deleteFrom('application_apis')
    .where('tenant_id', '=', tenantId)
    .where('application_id', '=', applicationId)
    .execute();
}

/**
 * The application of a tenant whose API an identifier URI names, with that API; undefined for a
 * URI no application of the tenant holds. Only the tenant's own applications: an API is a
 * resource at its home tenant's authority (a multi-tenant API elsewhere is not served yet).
 */
export async function findApiByIdentifierUri(
  db: Db,
  tenantId: string,
  uri: string,
): Promise<{ applicationId: string; api: ApplicationApi } | undefined> {
  const row = await db
    .selectFrom('application_identifier_uris')
    .select('application_id')
    .where('tenant_id', '=', tenantId)
    .where('uri', '=', uri)
    .executeTakeFirst();
  if (!row) return undefined;
  const api = (await applicationApisOf(db, tenantId, [row.application_id])).get(row.application_id);
  return api ? { applicationId: row.application_id, api } : undefined;
}
