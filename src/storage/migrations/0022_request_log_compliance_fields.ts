import type { Kysely, Migration } from 'kysely';

/**
 * What the security requirements status needs of each request-log row (SPEC §11, §12):
 * - `ip_address`: the caller's address, a column of Partner Center's "All API requests" download
 *   (reference §4.1, `GET /v1/partnerRequests`);
 * - `under_exception`: 1 when the request lacked the MFA proof and was admitted only because the
 *   partner holds an approved technical exception (SPEC §12), so the figures count it apart.
 */
export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('request_log').addColumn('ip_address', 'varchar(64)').execute();
    await db.schema
      .alterTable('request_log')
      .addColumn('under_exception', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('request_log').dropColumn('under_exception').execute();
    await db.schema.alterTable('request_log').dropColumn('ip_address').execute();
  },
};
