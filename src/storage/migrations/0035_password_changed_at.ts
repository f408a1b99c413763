import type { Kysely, Migration } from 'kysely';

/**
 * Issue 15 item 3: when the user's password was last set (Graph passwordAuthenticationMethod
 * `createdDateTime`; the Security info page shows it). Null for passwords set before this
 * migration, and for accounts without a password.
 */
export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('users').addColumn('password_changed_at', 'bigint').execute();
  },
};
