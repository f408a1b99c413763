import type { Kysely, Migration } from 'kysely';

/**
 * SPEC §10 (issue 12 item 2): a user's consent to a third-party multi-tenant application, and the
 * proof it was given with. One row per (tenant of the authority, account, application, resource):
 * what Graph calls an `oauth2PermissionGrant` of consentType "Principal". A later consent to more
 * scopes widens the row and records its own time and proof; each consent is in the audit log too.
 * `account_id` is the account oidc-provider knows (a partner user at a customer's authority is
 * `sp:{home}:{user}`), `home_tenant_id` and `user_id` the person behind it.
 */
export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('user_consents')
      .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('id', 'varchar(36)', (c) => c.notNull())
      .addColumn('account_id', 'varchar(120)', (c) => c.notNull())
      .addColumn('home_tenant_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('user_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('client_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('resource', 'varchar(255)', (c) => c.notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('consented_at', 'bigint', (c) => c.notNull())
      .addColumn('amr', 'text', (c) => c.notNull())
      .addColumn('acr', 'varchar(255)')
      .addColumn('auth_time', 'bigint')
      .addPrimaryKeyConstraint('user_consents_pk', ['tenant_id', 'id'])
      .addUniqueConstraint('user_consents_one_per_resource', [
        'tenant_id',
        'account_id',
        'client_id',
        'resource',
      ])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('user_consents').execute();
  },
};
