import type { Kysely, Migration } from 'kysely';

/**
 * Technical exceptions (SPEC §12; src/technical-exceptions/) and the program settings that say
 * whether the program accepts them at all.
 * - `technical_exceptions`: one "MFA - Request for exception" per row, owned by the partner tenant
 *   that filed it. `status` moves through one state table (state.ts) by conditional updates on
 *   `version`, so two reviewers (or two instances) deciding at once settle to one decision.
 *   `open_key` is the partner tenant's id while the request is pending and null otherwise: its
 *   unique index lets a partner have one pending request at a time, settled by the database.
 * - `program_settings`: the operator's switches for the whole program, one row per key; a key
 *   without a row has its documented default (exceptions: not accepted, seed 004).
 */
export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('technical_exceptions')
      .addColumn('partner_tenant_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('id', 'varchar(36)', (c) => c.notNull().primaryKey())
      .addColumn('mfa_product', 'varchar(200)', (c) => c.notNull())
      .addColumn('integration', 'text', (c) => c.notNull())
      .addColumn('self_test', 'text', (c) => c.notNull())
      .addColumn('purchase_reference', 'varchar(100)', (c) => c.notNull())
      .addColumn('filed_by_user_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('filed_by', 'varchar(320)', (c) => c.notNull())
      .addColumn('filed_at', 'bigint', (c) => c.notNull())
      .addColumn('due_at', 'bigint', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('open_key', 'varchar(36)')
      .addColumn('scope', 'varchar(16)')
      .addColumn('ends_at', 'bigint')
      .addColumn('decided_at', 'bigint')
      .addColumn('decided_by', 'varchar(320)')
      .addColumn('reason', 'text')
      .addColumn('closed_at', 'bigint')
      .execute();
    await db.schema
      .createIndex('technical_exceptions_one_open')
      .on('technical_exceptions')
      .column('open_key')
      .unique()
      .execute();
    // exceptionCovers (coverage.ts) reads a partner's approved exceptions on every request without MFA.
    await db.schema
      .createIndex('technical_exceptions_by_partner')
      .on('technical_exceptions')
      .columns(['partner_tenant_id', 'status', 'ends_at'])
      .execute();
    await db.schema
      .createIndex('technical_exceptions_queue')
      .on('technical_exceptions')
      .columns(['status', 'due_at'])
      .execute();
    await db.schema
      .createTable('program_settings')
      .addColumn('key', 'varchar(64)', (c) => c.notNull().primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_by', 'varchar(320)', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('program_settings').execute();
    await db.schema.dropTable('technical_exceptions').execute();
  },
};
