import type { Kysely, Migration } from 'kysely';

/**
 * Issue 13 (Entra's "expose an API"): a registered application may be a resource server. One row
 * per application that exposes an API: its delegated scopes (Graph `api.oauth2PermissionScopes`),
 * its app roles (Graph `appRoles`) and the `typ` header of its access tokens (a Warden extension,
 * docs/resources.md). Its identifier URIs (Graph `identifierUris`, e.g. `api://{appId}`) are rows
 * of their own, unique in the tenant: the database settles two applications claiming one URI.
 */
export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('application_apis')
      .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('application_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('scopes', 'text', (c) => c.notNull())
      .addColumn('app_roles', 'text', (c) => c.notNull())
      .addColumn('access_token_type', 'varchar(16)', (c) => c.notNull())
      .addPrimaryKeyConstraint('application_apis_pk', ['tenant_id', 'application_id'])
      .execute();
    await db.schema
      .createTable('application_identifier_uris')
      .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('uri', 'varchar(255)', (c) => c.notNull())
      .addColumn('application_id', 'varchar(255)', (c) => c.notNull())
      .addPrimaryKeyConstraint('application_identifier_uris_pk', ['tenant_id', 'uri'])
      .execute();
    await db.schema
      .createIndex('application_identifier_uris_by_application')
      .on('application_identifier_uris')
      .columns(['tenant_id', 'application_id'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('application_identifier_uris').execute();
    await db.schema.dropTable('application_apis').execute();
  },
};
