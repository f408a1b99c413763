import type { Kysely, Migration } from 'kysely';

/**
 * The WebAuthn challenge of a sign-in flow (issue 15 item 1), in a column of its own so that using
 * using it is a conditional UPDATE that clears it (`<challenge>.<issued at>`): an assertion or
 * attestation is accepted against a challenge once, even when two requests race on one flow
 * (WebAuthn L3 §13.4.3). Null: no challenge is open (each page with a passkey form issues one).
 */
export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('sign_in_flows').addColumn('passkey_challenge', 'varchar(64)').execute();
  },
};
