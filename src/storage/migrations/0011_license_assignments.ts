import type { Kysely, Migration } from 'kysely';

/**
 * Licences in customer tenants (issue 11 item 7; SPEC E2 "user and licence assignment"):
 * - `license_assignments`: one row per (customer tenant, user, SKU). Each row uses one seat of the
 *   customer's active subscriptions of that offer; the count of rows never exceeds those seats
 *   (partner-center/licenses.ts settles concurrent assignments with a row lock);
 * - `user_usage_locations`: Partner Center's `usageLocation` of a customer user (ISO 3166 alpha-2),
 *   kept beside the directory's `users` row rather than in it;
 * - `request_log.customer_tenant_id` and `delegated_access`: for a Partner API call into a
 *   customer's tenant (SPEC E3), which customer, and by which access (GDAP or DAP, the roles and
 *   relationships) — so the customer can later be shown what its partners did (issue 11 item 6).
 */
export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('license_assignments')
      .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('user_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('sku_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('offer_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('assigned_by', 'varchar(320)', (c) => c.notNull())
      .addColumn('assigned_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('license_assignments_pk', ['tenant_id', 'user_id', 'sku_id'])
      .execute();
    // Counting the seats in use of one SKU is the hot query of every assignment.
    await db.schema
      .createIndex('license_assignments_sku')
      .on('license_assignments')
      .columns(['tenant_id', 'sku_id'])
      .execute();
    await db.schema
      .createTable('user_usage_locations')
      .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('user_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('usage_location', 'varchar(2)', (c) => c.notNull())
      .addPrimaryKeyConstraint('user_usage_locations_pk', ['tenant_id', 'user_id'])
      .execute();
    await db.schema.alterTable('request_log').addColumn('customer_tenant_id', 'varchar(36)').execute();
    await db.schema.alterTable('request_log').addColumn('delegated_access', 'text').execute();
    await db.schema
      .createIndex('request_log_by_customer')
      .on('request_log')
      .columns(['customer_tenant_id', 'occurred_at'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropIndex('request_log_by_customer').execute();
    await db.schema.alterTable('request_log').dropColumn('delegated_access').execute();
    await db.schema.alterTable('request_log').dropColumn('customer_tenant_id').execute();
    await db.schema.dropTable('user_usage_locations').execute();
    await db.schema.dropTable('license_assignments').execute();
  },
};
