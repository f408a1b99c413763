import type { Kysely, Migration } from 'kysely';

/**
 * Service principals of multi-tenant applications in customer tenants (issue 12 item 4; reference
 * §3.3, Partner Center's application-consent API):
 * - `service_principals`: one row per (customer tenant, application) a partner consented the app
 *   into — the app's home tenant and who consented (partner tenant, user). The primary key settles
 *   two concurrent consents of the same app: one row wins, the other reads it.
 * - `service_principal_grants`: what was consented, per resource (audience) of that consent: the
 *   names of its app roles and delegated scopes. The token endpoint reads the app roles with the
 *   service principal in one indexed query (tokens/clients.ts).
 */
export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('service_principals')
      .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('app_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('app_tenant_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('display_name', 'varchar(256)', (c) => c.notNull())
      .addColumn('consented_by_tenant_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('consented_by_user_id', 'varchar(36)')
      .addColumn('consented_by_name', 'varchar(320)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('service_principals_pk', ['tenant_id', 'app_id'])
      .execute();
    // A partner's consents into one customer (the Partner API's list, the admin center's page).
    await db.schema
      .createIndex('service_principals_by_partner')
      .on('service_principals')
      .columns(['consented_by_tenant_id', 'tenant_id'])
      .execute();
    await db.schema
      .createTable('service_principal_grants')
      .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('app_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('resource', 'varchar(128)', (c) => c.notNull())
      .addColumn('scopes', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('service_principal_grants_pk', ['tenant_id', 'app_id', 'resource'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('service_principal_grants').execute();
    await db.schema.dropIndex('service_principals_by_partner').execute();
    await db.schema.dropTable('service_principals').execute();
  },
};
