import type { Kysely, Migration } from 'kysely';

/**
 * GDAP, the rest of part 1 (SPEC §13, E3; src/delegated-admin/ and src/audit/):
 * - access assignments: one partner security group per row, with roles from its relationship;
 * - requests and operations: what Graph shows under a relationship's `requests` and `operations`;
 * - audit events: approving, rejecting, terminating and the partner's changes, kept on both sides
 *   (one row in the partner's tenant, one in the customer's);
 * - `customers.dap_removed_at`: when the partner removed DAP for a customer.
 */
export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('delegated_admin_access_assignments')
      .addColumn('partner_tenant_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('relationship_id', 'varchar(80)', (c) => c.notNull())
      .addColumn('id', 'varchar(36)', (c) => c.notNull().primaryKey())
      .addColumn('group_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('roles', 'text', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('last_modified_at', 'bigint', (c) => c.notNull())
      .execute();
    // §1.5: one security group per assignment; a second assignment of the same group is a conflict.
    await db.schema
      .createIndex('delegated_admin_access_assignments_group')
      .on('delegated_admin_access_assignments')
      .columns(['relationship_id', 'group_id'])
      .unique()
      .execute();
    await db.schema
      .createIndex('delegated_admin_access_assignments_partner_group')
      .on('delegated_admin_access_assignments')
      .columns(['partner_tenant_id', 'group_id'])
      .execute();

    await db.schema
      .createTable('delegated_admin_requests')
      .addColumn('partner_tenant_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('relationship_id', 'varchar(80)', (c) => c.notNull())
      .addColumn('id', 'varchar(36)', (c) => c.notNull().primaryKey())
      .addColumn('action', 'varchar(24)', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('last_modified_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('delegated_admin_requests_relationship')
      .on('delegated_admin_requests')
      .columns(['relationship_id', 'created_at'])
      .execute();

    await db.schema
      .createTable('delegated_admin_operations')
      .addColumn('partner_tenant_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('relationship_id', 'varchar(80)', (c) => c.notNull())
      .addColumn('id', 'varchar(36)', (c) => c.notNull().primaryKey())
      .addColumn('operation_type', 'varchar(48)', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('last_modified_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('delegated_admin_operations_relationship')
      .on('delegated_admin_operations')
      .columns(['relationship_id', 'created_at'])
      .execute();

    await db.schema
      .createTable('audit_events')
      .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('id', 'varchar(36)', (c) => c.notNull().primaryKey())
      .addColumn('occurred_at', 'bigint', (c) => c.notNull())
      .addColumn('category', 'varchar(48)', (c) => c.notNull())
      .addColumn('activity', 'varchar(120)', (c) => c.notNull())
      .addColumn('actor_tenant_id', 'varchar(36)')
      .addColumn('actor_user_id', 'varchar(36)')
      .addColumn('actor_app_id', 'varchar(36)')
      .addColumn('actor_name', 'varchar(320)', (c) => c.notNull())
      .addColumn('target_type', 'varchar(48)', (c) => c.notNull())
      .addColumn('target_id', 'varchar(80)', (c) => c.notNull())
      .addColumn('target_name', 'varchar(320)')
      .addColumn('other_tenant_id', 'varchar(36)')
      .addColumn('details', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('audit_events_tenant_time')
      .on('audit_events')
      .columns(['tenant_id', 'occurred_at'])
      .execute();

    await db.schema.alterTable('customers').addColumn('dap_removed_at', 'bigint').execute();
  },
};
