import type { Kysely, Migration } from 'kysely';

/**
 * At most one signing key published ahead of signing (`next`, src/tokens/signing-keys.ts), settled
 * by the database as 0008 settles the one active key: two rotations at once leave one pending key.
 */
export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createIndex('signing_keys_one_next')
      .on('signing_keys')
      .column('status')
      .unique()
      .where('status', '=', 'next')
      .execute();
  },
};
