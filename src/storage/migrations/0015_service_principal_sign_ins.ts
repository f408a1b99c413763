import type { Kysely, Migration } from 'kysely';

/**
 * Service-principal sign-ins (issue 12 item 5, SPEC §11): one row per client-credentials token
 * request at a tenant's authority, as Entra's `servicePrincipalSignIns` log keeps them. Its own
 * table, not `sign_ins`: these rows have no user, and they are written in batches
 * (src/sign-in-logs/service-principal-sign-in-writer.ts). Read per tenant, newest first.
 */
export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('service_principal_sign_ins')
      .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('id', 'varchar(36)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('app_id', 'varchar(64)')
      .addColumn('app_display_name', 'varchar(256)')
      .addColumn('service_principal_id', 'varchar(64)')
      .addColumn('ip_address', 'varchar(64)')
      .addColumn('resource_id', 'varchar(128)')
      .addColumn('resource_display_name', 'varchar(128)')
      .addColumn('client_credential_type', 'varchar(32)', (c) => c.notNull())
      .addColumn('error_code', 'integer', (c) => c.notNull())
      .addColumn('failure_reason', 'text')
      .addColumn('correlation_id', 'varchar(36)', (c) => c.notNull())
      .addPrimaryKeyConstraint('service_principal_sign_ins_pk', ['tenant_id', 'id'])
      .execute();
    await db.schema
      .createIndex('service_principal_sign_ins_by_time')
      .on('service_principal_sign_ins')
      .columns(['tenant_id', 'created_at'])
      .execute();
  },
};
