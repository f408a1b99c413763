import type { Kysely, Migration } from 'kysely';

/**
 * The WebAuthn challenge of a sign-in flow (issue 15 item 1), in a column of its own so that using
 * it is a conditional UPDATE (the challenge still current is swapped for a new one): an assertion
 * or attestation is accepted against a challenge once, even when two requests race on one flow
 * (WebAuthn L3 §13.4.3). Null for flows started before this migration: they get one on first use.
 */
export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('sign_in_flows').addColumn('passkey_challenge', 'varchar(64)').execute();
  },
};
