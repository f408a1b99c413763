import type { Kysely, Migration } from 'kysely';

/**
 * Security alerts and fraud events (SPEC §13, issue 14 item 5; reference §5):
 * - `fraud_events`: one Partner Center fraud event on a customer's subscription, raised by the
 *   operator or by Warden's detector. `detection_key` is unique per partner: two instances that
 *   detect the same thing insert one row. `version` makes every status change conditional.
 * - `fraud_webhook_registrations`: the URLs a partner registered for `azure-fraud-event-detected`
 *   (reference §5.3), each with its signing secret sealed by `ctx.secrets`.
 * - `fraud_webhook_deliveries`: one delivery of one event to one registration, retried with
 *   backoff on Warden's clock; `lease_until` lets one instance at a time attempt it.
 */
export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('fraud_events')
      .addColumn('partner_tenant_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('id', 'varchar(120)', (c) => c.notNull().primaryKey())
      .addColumn('customer_tenant_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('subscription_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('entity_id', 'varchar(80)', (c) => c.notNull())
      .addColumn('entity_name', 'varchar(256)', (c) => c.notNull())
      .addColumn('entity_url', 'varchar(2048)', (c) => c.notNull())
      .addColumn('service_name', 'varchar(128)', (c) => c.notNull())
      .addColumn('resource_name', 'varchar(256)', (c) => c.notNull())
      .addColumn('resource_group_name', 'varchar(256)', (c) => c.notNull())
      .addColumn('event_type', 'varchar(80)', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('severity', 'varchar(16)', (c) => c.notNull())
      .addColumn('confidence_level', 'varchar(16)', (c) => c.notNull())
      .addColumn('display_name', 'varchar(256)', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('country', 'varchar(8)')
      .addColumn('hit_count', 'integer', (c) => c.notNull())
      .addColumn('first_observed_at', 'bigint', (c) => c.notNull())
      .addColumn('last_observed_at', 'bigint', (c) => c.notNull())
      .addColumn('detected_at', 'bigint', (c) => c.notNull())
      .addColumn('resolved_reason', 'varchar(16)')
      .addColumn('resolved_at', 'bigint')
      .addColumn('resolved_by', 'varchar(320)')
      .addColumn('activity_logs', 'text', (c) => c.notNull())
      .addColumn('additional_details', 'text', (c) => c.notNull())
      .addColumn('affected_resources', 'text', (c) => c.notNull())
      .addColumn('is_test', 'integer', (c) => c.notNull())
      .addColumn('source', 'varchar(16)', (c) => c.notNull())
      .addColumn('detection_key', 'varchar(200)')
      .addColumn('version', 'integer', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('fraud_events_detection_key')
      .on('fraud_events')
      .columns(['partner_tenant_id', 'detection_key'])
      .unique()
      .execute();
    await db.schema
      .createIndex('fraud_events_by_partner_time')
      .on('fraud_events')
      .columns(['partner_tenant_id', 'detected_at'])
      .execute();
    await db.schema
      .createIndex('fraud_events_by_subscription')
      .on('fraud_events')
      .columns(['partner_tenant_id', 'subscription_id'])
      .execute();

    await db.schema
      .createTable('fraud_webhook_registrations')
      .addColumn('partner_tenant_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('id', 'varchar(36)', (c) => c.notNull().primaryKey())
      .addColumn('url', 'varchar(2048)', (c) => c.notNull())
      .addColumn('events', 'text', (c) => c.notNull())
      .addColumn('secret_sealed', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('fraud_webhook_registrations_url')
      .on('fraud_webhook_registrations')
      .columns(['partner_tenant_id', 'url'])
      .unique()
      .execute();

    await db.schema
      .createTable('fraud_webhook_deliveries')
      .addColumn('partner_tenant_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('id', 'varchar(36)', (c) => c.notNull().primaryKey())
      .addColumn('registration_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('event_id', 'varchar(120)', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('state', 'varchar(16)', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
      .addColumn('lease_until', 'bigint', (c) => c.notNull())
      .addColumn('last_status', 'integer')
      .addColumn('last_error', 'varchar(512)')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('delivered_at', 'bigint')
      .execute();
    await db.schema
      .createIndex('fraud_webhook_deliveries_due')
      .on('fraud_webhook_deliveries')
      .columns(['state', 'next_attempt_at'])
      .execute();
    await db.schema
      .createIndex('fraud_webhook_deliveries_by_partner')
      .on('fraud_webhook_deliveries')
      .columns(['partner_tenant_id', 'created_at'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('fraud_webhook_deliveries').execute();
    await db.schema.dropTable('fraud_webhook_registrations').execute();
    await db.schema.dropTable('fraud_events').execute();
  },
};
