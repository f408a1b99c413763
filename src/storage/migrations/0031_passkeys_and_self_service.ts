import type { Kysely, Migration } from 'kysely';

/**
 * Methods people choose and manage themselves (issue 15; reference entra-identity §2–§4):
 * - `passkey_credentials`: WebAuthn L3 credentials (Graph `fido2AuthenticationMethod`). The
 *   credential id is unique per tenant (a second registration of one authenticator is refused by
 *   the key, not by a read first); the public key is COSE, base64url; `sign_count` is compared and
 *   advanced by a conditional UPDATE so a cloned authenticator with a lower counter loses the race.
 * - `authentication_methods_policy` gains the tenant's passkey settings (attestation `none` or
 *   `enforced`, an AAGUID allow or block list, passwordless sign-in) and how many methods
 *   self-service password reset asks for (2 unless the tenant allows 1). No row: the defaults.
 * - `auth_methods.last_used_at`: when an authenticator app last proved a sign-in (Security info).
 * - `sign_ins` gains Graph `signIn`'s risk fields and the authentication strength reached
 *   (`mfa`, `phishingResistant`), so later policies and the log can ask for it.
 */
export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('passkey_credentials')
      .addColumn('tenant_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('id', 'varchar(64)', (c) => c.notNull())
      .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('credential_id', 'varchar(1400)', (c) => c.notNull())
      .addColumn('public_key', 'text', (c) => c.notNull())
      .addColumn('sign_count', 'bigint', (c) => c.notNull())
      .addColumn('aaguid', 'varchar(36)', (c) => c.notNull())
      .addColumn('device_type', 'varchar(16)', (c) => c.notNull())
      .addColumn('backed_up', 'integer', (c) => c.notNull())
      .addColumn('transports', 'text', (c) => c.notNull())
      .addColumn('attestation_format', 'varchar(32)', (c) => c.notNull())
      .addColumn('display_name', 'varchar(256)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('last_used_at', 'bigint')
      .addPrimaryKeyConstraint('passkey_credentials_pk', ['tenant_id', 'id'])
      .addUniqueConstraint('passkey_credentials_credential_id', ['tenant_id', 'credential_id'])
      .execute();
    await db.schema
      .createIndex('passkey_credentials_by_user')
      .on('passkey_credentials')
      .columns(['tenant_id', 'user_id'])
      .execute();

    const policy = () => db.schema.alterTable('authentication_methods_policy');
    await policy()
      .addColumn('passkey_attestation', 'varchar(16)', (c) => c.notNull().defaultTo('none'))
      .execute();
    await policy()
      .addColumn('passkey_aaguid_mode', 'varchar(16)', (c) => c.notNull().defaultTo('off'))
      .execute();
    await policy()
      .addColumn('passkey_aaguids', 'text', (c) => c.notNull().defaultTo('[]'))
      .execute();
    await policy()
      .addColumn('passkey_passwordless', 'integer', (c) => c.notNull().defaultTo(1))
      .execute();
    await policy()
      .addColumn('sspr_methods_required', 'integer', (c) => c.notNull().defaultTo(2))
      .execute();

    await db.schema.alterTable('auth_methods').addColumn('last_used_at', 'bigint').execute();

    await db.schema.alterTable('sign_ins').addColumn('authentication_strength', 'varchar(32)').execute();
    await db.schema.alterTable('sign_ins').addColumn('risk_level_during_sign_in', 'varchar(16)').execute();
    await db.schema.alterTable('sign_ins').addColumn('risk_state', 'varchar(32)').execute();
    await db.schema.alterTable('sign_ins').addColumn('risk_event_types', 'text').execute();
  },
  async down(db: Kysely<unknown>) {
    for (const column of [
      'risk_event_types',
      'risk_state',
      'risk_level_during_sign_in',
      'authentication_strength',
    ])
      await db.schema.alterTable('sign_ins').dropColumn(column).execute();
    await db.schema.alterTable('auth_methods').dropColumn('last_used_at').execute();
    for (const column of [
      'sspr_methods_required',
      'passkey_passwordless',
      'passkey_aaguids',
      'passkey_aaguid_mode',
      'passkey_attestation',
    ])
      await db.schema.alterTable('authentication_methods_policy').dropColumn(column).execute();
    await db.schema.dropTable('passkey_credentials').execute();
  },
};
