import { type Kysely, type Migration, sql } from 'kysely';

/**
 * SPEC §5 (seed 001): the 14-day registration window of security defaults starts at a user's first
 * interactive sign-in after security defaults were turned on, not at the first sign-in ever.
 * Existing users keep the window they had (their first interactive sign-in). The tenant keeps when
 * security defaults were turned on, for users who have not signed in interactively since.
 */
export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('users').addColumn('registration_window_started_at', 'bigint').execute();
    await sql`UPDATE users SET registration_window_started_at = first_interactive_sign_in_at`.execute(db);
    // For checks made without a sign-in (refresh-token chains, reused sessions) of users who have not
    // signed in since: their window runs from when security defaults were turned on.
    await db.schema.alterTable('tenants').addColumn('security_defaults_enabled_at', 'bigint').execute();
    await sql`UPDATE tenants SET security_defaults_enabled_at = created_at WHERE security_defaults = 1`.execute(
      db,
    );
  },
};
