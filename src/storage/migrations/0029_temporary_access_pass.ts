import type { Kysely, Migration } from 'kysely';

/**
 * Temporary Access Pass (issue 15 item 2; reference entra-identity §3.1
 * `temporaryAccessPassAuthenticationMethod`): at most one per user (Entra: "one TAP per user"),
 * settled by the primary key on (tenant, user) when two administrators create one at once. Only a
 * hash of the pass is stored. `used_at` is set by the conditional UPDATE that spends a one-time
 * pass. The tenant's setting that a first MFA registration of a privileged user needs a TAP lives
 * in `authentication_methods_policy` (no row: off).
 */
export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('temporary_access_passes')
      .addColumn('tenant_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('id', 'varchar(64)', (c) => c.notNull())
      .addColumn('pass_hash', 'varchar(128)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('start_at', 'bigint', (c) => c.notNull())
      .addColumn('lifetime_minutes', 'integer', (c) => c.notNull())
      .addColumn('is_usable_once', 'integer', (c) => c.notNull())
      .addColumn('used_at', 'bigint')
      .addColumn('created_by', 'varchar(64)')
      .addPrimaryKeyConstraint('temporary_access_passes_pk', ['tenant_id', 'user_id'])
      .execute();
    await db.schema
      .createTable('authentication_methods_policy')
      .addColumn('tenant_id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('first_registration_requires_tap', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('authentication_methods_policy').execute();
    await db.schema.dropTable('temporary_access_passes').execute();
  },
};
