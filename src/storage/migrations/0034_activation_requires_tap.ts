import type { Kysely, Migration } from 'kysely';

/**
 * Issue 15 item 2: an account activated by an onboarding link (`warden init`, `warden tenants
 * create`, `warden activation-link`) registers its first MFA method only in a sign-in that proved
 * the Temporary Access Pass the activation gave it — whatever the tenant's setting — so a password
 * that leaks before the first registration cannot register an attacker's authenticator.
 */
export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('users')
      .addColumn('first_registration_requires_tap', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
  },
};
