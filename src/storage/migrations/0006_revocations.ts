import type { Kysely, Migration } from 'kysely';

export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    // Access tokens are JWTs that nothing stores, so revoking one is a row saying which tokens no
    // longer count: all of a grant's (a replayed code or refresh token), or a user's issued up to
    // a moment (disabled, password reset, sessions revoked). A row is kept only while a token it
    // covers could still be accepted (an access token's lifetime and the clock skew), so the list
    // every gate reads stays small (src/sessions/revocations.ts).
    await db.schema
      .createTable('revocations')
      .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('kind', 'varchar(16)', (c) => c.notNull())
      .addColumn('subject', 'varchar(64)', (c) => c.notNull())
      .addColumn('revoked_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('revocations_pk', ['tenant_id', 'kind', 'subject'])
      .execute();
    await db.schema.createIndex('revocations_expiry').on('revocations').column('expires_at').execute();
  },
};
