import type { Kysely, Migration } from 'kysely';

/**
 * The open WebAuthn challenges (issue 15 item 1): one per holder — a sign-in flow, a Security info
 * session — in a table of its own so that using one is a DELETE … RETURNING that only one request
 * wins: an assertion or attestation is accepted against a challenge once, even when two requests
 * race (WebAuthn L3 §13.4.3), and within its timeout (`issued_at`).
 */
export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('passkey_challenges')
      .addColumn('tenant_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('holder', 'varchar(128)', (c) => c.notNull())
      .addColumn('challenge', 'varchar(64)', (c) => c.notNull())
      .addColumn('issued_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('passkey_challenges_pk', ['tenant_id', 'holder'])
      .execute();
    await db.schema
      .createIndex('passkey_challenges_issued')
      .on('passkey_challenges')
      .column('issued_at')
      .execute();
  },
};
