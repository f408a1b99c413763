import type { Kysely, Migration } from 'kysely';
import type { SigningKeyTable } from '../schema.ts';

/**
 * At most one active signing key, settled by the database (issue 9 item 7): instances that
 * started at once on an empty database could each create one. Where that happened, the newest
 * stays active and the others are retired now, so they stay published for the grace period and
 * the tokens they signed keep verifying.
 */
export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    const keys = db as Kysely<{ signing_keys: SigningKeyTable }>;
    const active = await keys
      .selectFrom('signing_keys')
      .select('kid')
      .where('status', '=', 'active')
      .orderBy('created_at', 'desc')
      .orderBy('kid', 'desc')
      .execute();
    const extra = active.slice(1).map((k) => k.kid);
    if (extra.length > 0) {
      await keys
        .updateTable('signing_keys')
        .set({ status: 'retired', retired_at: Date.now() })
        .where('kid', 'in', extra)
        .execute();
    }
    await db.schema
      .createIndex('signing_keys_one_active')
      .on('signing_keys')
      .column('status')
      .unique()
      .where('status', '=', 'active')
      .execute();
  },
};
