import type { Kysely, Migration } from 'kysely';

/**
 * Partner Center shapes a script expects (issue 13 item 3):
 * - `subscriptions.auto_renew_enabled`: Partner Center's `autoRenewEnabled`, on (1) for the
 *   subscriptions that exist, as a new one is;
 * - `subscriptions.version`: what a subscription's `attributes.etag` names; every change adds one,
 *   and a PATCH updates the row only where the version is the one its etag was read at (a
 *   conditional update: of two changes from the same read, the database lets one win);
 * - `request_log.request_id`: Partner Center's `MS-RequestId` of the call (sent or generated),
 *   beside its `MS-CorrelationId`, so a partner's ids find the call in the log.
 */
export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('subscriptions')
      .addColumn('auto_renew_enabled', 'integer', (c) => c.notNull().defaultTo(1))
      .execute();
    await db.schema
      .alterTable('subscriptions')
      .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
      .execute();
    await db.schema.alterTable('request_log').addColumn('request_id', 'varchar(64)').execute();
    // Paging customers by company name then id (customers.ts: seek paging) reads this index.
    await db.schema
      .createIndex('customers_by_name')
      .on('customers')
      .columns(['tenant_id', 'company_name', 'id'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropIndex('customers_by_name').execute();
    await db.schema.alterTable('request_log').dropColumn('request_id').execute();
    await db.schema.alterTable('subscriptions').dropColumn('version').execute();
    await db.schema.alterTable('subscriptions').dropColumn('auto_renew_enabled').execute();
  },
};
