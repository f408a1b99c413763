import type { Kysely, Migration } from 'kysely';

/**
 * The security requirements status (SPEC §11, reference §4.1), kept so that no report scans raw
 * request-log rows:
 * - `request_rollups`: per tenant, UTC day, surface, application and user, the counters of the
 *   requests logged, upserted in the transaction that writes each request-log batch
 *   (src/compliance/rollups.ts). `app_id` and `user_id` are '' where the request had none, so the
 *   key has no nulls (a primary key cannot hold one on PostgreSQL).
 * - `daily_figures`: the figures A, B1 and B2 of each partner tenant for the 7 days ending with
 *   `day`; the key (tenant_id, day) lets the first instance that computes a day store it.
 * - `request_log_by_surface`: the most recent App+User requests of a tenant (GET
 *   /v1/partnerRequests) read newest first from this index instead of filtering the time index.
 */
export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('request_rollups')
      .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('day', 'varchar(10)', (c) => c.notNull())
      .addColumn('surface', 'varchar(16)', (c) => c.notNull())
      .addColumn('app_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('user_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('user_principal_name', 'varchar(320)')
      .addColumn('total', 'integer', (c) => c.notNull())
      .addColumn('mfa_compliant', 'integer', (c) => c.notNull())
      .addColumn('under_exception', 'integer', (c) => c.notNull())
      .addColumn('last_request_at', 'bigint', (c) => c.notNull())
      .addColumn('last_non_mfa_at', 'bigint')
      .addPrimaryKeyConstraint('request_rollups_pk', ['tenant_id', 'day', 'surface', 'app_id', 'user_id'])
      .execute();
    await db.schema
      .createTable('daily_figures')
      .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('day', 'varchar(10)', (c) => c.notNull())
      .addColumn('window_start', 'varchar(10)', (c) => c.notNull())
      .addColumn('computed_at', 'bigint', (c) => c.notNull())
      .addColumn('a_numerator', 'integer', (c) => c.notNull())
      .addColumn('a_denominator', 'integer', (c) => c.notNull())
      .addColumn('b1_numerator', 'integer', (c) => c.notNull())
      .addColumn('b1_denominator', 'integer', (c) => c.notNull())
      .addColumn('b1_under_exception', 'integer', (c) => c.notNull())
      .addColumn('b2_numerator', 'integer', (c) => c.notNull())
      .addColumn('b2_denominator', 'integer', (c) => c.notNull())
      .addColumn('b2_under_exception', 'integer', (c) => c.notNull())
      .addColumn('reasons', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('daily_figures_pk', ['tenant_id', 'day'])
      .execute();
    // The operator's program page reads every partner's last days at once.
    await db.schema.createIndex('daily_figures_by_day').on('daily_figures').columns(['day']).execute();
    await db.schema
      .createIndex('request_log_by_surface')
      .on('request_log')
      .columns(['tenant_id', 'surface', 'occurred_at'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropIndex('request_log_by_surface').execute();
    await db.schema.dropIndex('daily_figures_by_day').execute();
    await db.schema.dropTable('daily_figures').execute();
    await db.schema.dropTable('request_rollups').execute();
  },
};
