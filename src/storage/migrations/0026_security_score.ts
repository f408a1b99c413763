import type { Kysely, Migration } from 'kysely';

/**
 * The security score (reference §4.2, docs/security-score.md):
 * - `security_contacts`: the one security contact a partner tenant keeps on file (requirement
 *   `securityContactProvided`), replaced in place;
 * - `security_score_history`: one snapshot of the score per partner tenant per UTC day
 *   (`securityScoreHistory`). The primary key (tenant, day) lets several instances' daily jobs
 *   race: the first insert wins, the others change nothing.
 */
export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('security_contacts')
      .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull().primaryKey())
      .addColumn('name', 'varchar(120)', (c) => c.notNull())
      .addColumn('email', 'varchar(254)', (c) => c.notNull())
      .addColumn('phone', 'varchar(32)', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_by', 'varchar(36)', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('security_score_history')
      .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('day', 'varchar(10)', (c) => c.notNull())
      .addColumn('id', 'varchar(36)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('score', 'integer', (c) => c.notNull())
      .addColumn('compliant_requirements_count', 'integer', (c) => c.notNull())
      .addColumn('total_requirements_count', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('security_score_history_pk', ['tenant_id', 'day'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('security_score_history').execute();
    await db.schema.dropTable('security_contacts').execute();
  },
};
