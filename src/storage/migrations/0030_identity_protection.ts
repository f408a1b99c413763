import type { Kysely, Migration } from 'kysely';

/**
 * ID Protection (SPEC §9, issue 15 item 6, reference entra-identity §6.1): risk detections, the
 * per-user risk they add up to (Graph `riskyUser`), and the breached-password list.
 *
 * - `risk_detections`: one row per detection, tenant-scoped. `dedupe_key` is unique per tenant so
 *   a detector that runs twice (two instances, a re-run of the same window, the same feed imported
 *   again) raises each detection once.
 * - `risky_users`: the user's current risk (level, state, detail), written in the transaction of
 *   the detection or the administrator's action that changes it.
 * - `breached_password_hashes`: SHA-1 hashes of breached passwords in Pwned Passwords' form (upper
 *   hex, with the breach count). These hashes are public already; no tenant owns them, so the
 *   table is the platform's, like the GeoIP file. No password in the clear is ever stored.
 */
export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('risk_detections')
      .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('id', 'varchar(36)', (c) => c.notNull())
      .addColumn('user_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('risk_event_type', 'varchar(64)', (c) => c.notNull())
      .addColumn('risk_level', 'varchar(16)', (c) => c.notNull())
      .addColumn('risk_state', 'varchar(32)', (c) => c.notNull())
      .addColumn('risk_detail', 'varchar(64)', (c) => c.notNull())
      .addColumn('detection_timing_type', 'varchar(16)', (c) => c.notNull())
      .addColumn('activity', 'varchar(16)', (c) => c.notNull())
      .addColumn('source', 'varchar(32)', (c) => c.notNull())
      .addColumn('ip_address', 'varchar(64)')
      .addColumn('request_id', 'varchar(64)')
      .addColumn('activity_at', 'bigint', (c) => c.notNull())
      .addColumn('detected_at', 'bigint', (c) => c.notNull())
      .addColumn('last_updated_at', 'bigint', (c) => c.notNull())
      .addColumn('additional_info', 'text', (c) => c.notNull())
      .addColumn('dedupe_key', 'varchar(200)', (c) => c.notNull())
      .addPrimaryKeyConstraint('risk_detections_pk', ['tenant_id', 'id'])
      .addUniqueConstraint('risk_detections_once', ['tenant_id', 'dedupe_key'])
      .execute();
    await db.schema
      .createIndex('risk_detections_by_user')
      .on('risk_detections')
      .columns(['tenant_id', 'user_id', 'risk_state'])
      .execute();
    await db.schema
      .createTable('risky_users')
      .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('user_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('risk_level', 'varchar(16)', (c) => c.notNull())
      .addColumn('risk_state', 'varchar(32)', (c) => c.notNull())
      .addColumn('risk_detail', 'varchar(64)', (c) => c.notNull())
      .addColumn('risk_last_updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('risky_users_pk', ['tenant_id', 'user_id'])
      .execute();
    await db.schema
      .createTable('breached_password_hashes')
      .addColumn('sha1', 'varchar(40)', (c) => c.primaryKey())
      .addColumn('breach_count', 'bigint', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('breached_password_hashes').execute();
    await db.schema.dropTable('risky_users').execute();
    await db.schema.dropTable('risk_detections').execute();
  },
};
