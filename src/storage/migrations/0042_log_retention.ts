import { type Kysely, type Migration, sql } from 'kysely';

/**
 * Issue 16 item 4 (docs/retention.md):
 * - `log_retention_settings`: a tenant's own retention of its logs (sign-ins, service-principal
 *   sign-ins, audit events, request log), in days; a tenant without a row keeps the default (30
 *   days, src/retention/windows.ts). A table of its own, so the tenant row and every writer of it
 *   stay as they are.
 * - `sign_ins_by_user`: Graph `auditLogs/signIns?$filter=userId eq '…' and createdDateTime ge …`
 *   reads one user's rows newest first (then by id, the log's order, sign-in-log.ts) straight from
 *   this index instead of filtering the tenant's time index (docs/benchmarks.md, 50 million rows).
 */
export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('log_retention_settings')
      .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull().primaryKey())
      .addColumn('days', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('sign_ins_by_user')
      .on('sign_ins')
      .expression(sql`user_id, created_at desc, id`)
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropIndex('sign_ins_by_user').execute();
    await db.schema.dropTable('log_retention_settings').execute();
  },
};
