import type { Kysely, Migration } from 'kysely';

/**
 * Which first-party site a session belongs to (`dashboard`, `admin`, `security-info`): a cookie
 * of one site opens no other's pages. Sessions from before this migration count as the
 * dashboard's; an admin center or Security info session made before it asks for a sign-in again.
 */
export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('dashboard_sessions')
      .addColumn('site', 'text', (c) => c.notNull().defaultTo('dashboard'))
      .execute();
  },
};
