import type { Kysely, Migration } from 'kysely';

/**
 * Certificate credentials of applications (Graph `keyCredentials`, type `AsymmetricX509Cert`,
 * usage `Verify`): the X.509 certificate (DER, base64) whose key verifies the application's
 * `private_key_jwt` client assertions (RFC 7523 §2.2), found by its SHA-1 thumbprint (`x5t`,
 * Graph's `customKeyIdentifier`) or SHA-256 thumbprint (`x5t#S256`), both stored as the header
 * carries them (base64url), and valid from `start_at` to `end_at` (the certificate's own dates).
 * Public material only: nothing here is secret.
 */
export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('application_key_credentials')
      .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('application_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('key_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('display_name', 'varchar(256)')
      .addColumn('x5t', 'varchar(43)', (c) => c.notNull())
      .addColumn('x5t_s256', 'varchar(43)', (c) => c.notNull())
      .addColumn('certificate', 'text', (c) => c.notNull())
      .addColumn('start_at', 'bigint', (c) => c.notNull())
      .addColumn('end_at', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('application_key_credentials_pk', ['tenant_id', 'application_id', 'key_id'])
      // One application holds a certificate once (Graph refuses the same key twice).
      .addUniqueConstraint('application_key_credentials_one_per_cert', [
        'tenant_id',
        'application_id',
        'x5t_s256',
      ])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('application_key_credentials').execute();
  },
};
