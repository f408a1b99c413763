import type { Kysely, Migration } from 'kysely';

/**
 * GDAP relationships (SPEC §13; src/delegated-admin/). One row per relationship, owned by the
 * partner tenant; the customer's tenant id is known once named at create or once the customer
 * approves. `version` is the ETag: every change bumps it by a conditional UPDATE, so two changes
 * racing (approve and reject, two instances' daily jobs) settle to one.
 */
export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('delegated_admin_relationships')
      .addColumn('partner_tenant_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('id', 'varchar(80)', (c) => c.notNull().primaryKey())
      .addColumn('display_name', 'varchar(50)', (c) => c.notNull())
      .addColumn('customer_tenant_id', 'varchar(36)')
      .addColumn('duration', 'varchar(16)', (c) => c.notNull())
      .addColumn('auto_extend_duration', 'varchar(16)', (c) => c.notNull())
      .addColumn('roles', 'text', (c) => c.notNull())
      .addColumn('status', 'varchar(24)', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('last_modified_at', 'bigint', (c) => c.notNull())
      .addColumn('locked_at', 'bigint')
      .addColumn('activated_at', 'bigint')
      .addColumn('ends_at', 'bigint')
      .addColumn('ended_at', 'bigint')
      .addColumn('approved_by', 'varchar(36)')
      .execute();
    // Graph: displayName is unique across all of the partner's relationships.
    await db.schema
      .createIndex('delegated_admin_relationships_name')
      .on('delegated_admin_relationships')
      .columns(['partner_tenant_id', 'display_name'])
      .unique()
      .execute();
    await db.schema
      .createIndex('delegated_admin_relationships_customer')
      .on('delegated_admin_relationships')
      .columns(['customer_tenant_id', 'status'])
      .execute();
    await db.schema
      .createIndex('delegated_admin_relationships_status')
      .on('delegated_admin_relationships')
      .columns(['status', 'partner_tenant_id'])
      .execute();
  },
};
