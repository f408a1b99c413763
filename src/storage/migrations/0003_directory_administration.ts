import type { Kysely, Migration } from 'kysely';

export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    // SPEC §9: an admin's reset gives a temporary password that must be changed at next sign-in.
    await db.schema
      .alterTable('users')
      .addColumn('password_change_required', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    // Graph's passwordCredentials (issue 4 item 1): an application may hold several secrets at
    // once, so one can be rotated without downtime. Sealed, since the protocol compares them.
    await db.schema
      .createTable('application_credentials')
      .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('application_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('key_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('display_name', 'varchar(256)')
      .addColumn('hint', 'varchar(8)', (c) => c.notNull())
      .addColumn('secret_sealed', 'text', (c) => c.notNull())
      .addColumn('end_at', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('application_credentials_pk', ['tenant_id', 'application_id', 'key_id'])
      .execute();
  },
};
