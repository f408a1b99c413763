import type { Kysely, Migration } from 'kysely';

export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('tenants')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('kind', 'varchar(16)', (c) => c.notNull())
      .addColumn('program_type', 'varchar(32)')
      .addColumn('display_name', 'varchar(256)', (c) => c.notNull())
      .addColumn('domain', 'varchar(253)', (c) => c.notNull().unique())
      .addColumn('partner_tenant_id', 'varchar(36)')
      .addColumn('security_defaults', 'integer', (c) => c.notNull())
      .addColumn('require_mfa_all_users', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('users')
      .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull().references('tenants.id'))
      .addColumn('id', 'varchar(36)', (c) => c.notNull())
      .addColumn('user_principal_name', 'varchar(320)', (c) => c.notNull())
      .addColumn('display_name', 'varchar(256)', (c) => c.notNull())
      .addColumn('given_name', 'varchar(128)')
      .addColumn('surname', 'varchar(128)')
      .addColumn('user_type', 'varchar(16)', (c) => c.notNull())
      .addColumn('account_enabled', 'integer', (c) => c.notNull())
      .addColumn('password_hash', 'text')
      .addColumn('directory_roles', 'text', (c) => c.notNull())
      .addColumn('first_interactive_sign_in_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('users_pk', ['tenant_id', 'id'])
      .addUniqueConstraint('users_upn', ['tenant_id', 'user_principal_name'])
      .execute();

    await db.schema
      .createTable('groups')
      .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull().references('tenants.id'))
      .addColumn('id', 'varchar(36)', (c) => c.notNull())
      .addColumn('display_name', 'varchar(256)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('groups_pk', ['tenant_id', 'id'])
      .addUniqueConstraint('groups_name', ['tenant_id', 'display_name'])
      .execute();

    await db.schema
      .createTable('group_members')
      .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('group_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('user_id', 'varchar(36)', (c) => c.notNull())
      .addPrimaryKeyConstraint('group_members_pk', ['tenant_id', 'group_id', 'user_id'])
      .addForeignKeyConstraint('group_members_group', ['tenant_id', 'group_id'], 'groups', [
        'tenant_id',
        'id',
      ])
      .addForeignKeyConstraint('group_members_user', ['tenant_id', 'user_id'], 'users', ['tenant_id', 'id'])
      .execute();

    await db.schema
      .createTable('applications')
      .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull().references('tenants.id'))
      .addColumn('id', 'varchar(64)', (c) => c.notNull().unique())
      .addColumn('display_name', 'varchar(256)', (c) => c.notNull())
      .addColumn('client_type', 'varchar(16)', (c) => c.notNull())
      .addColumn('client_secret_sealed', 'text')
      .addColumn('redirect_uris', 'text', (c) => c.notNull())
      .addColumn('multi_tenant', 'integer', (c) => c.notNull())
      .addColumn('app_roles', 'text', (c) => c.notNull())
      .addColumn('granted_app_roles', 'text', (c) => c.notNull())
      .addColumn('allowed_scopes', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('applications_pk', ['tenant_id', 'id'])
      .execute();

    await db.schema
      .createTable('auth_methods')
      .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('id', 'varchar(36)', (c) => c.notNull())
      .addColumn('user_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('kind', 'varchar(16)', (c) => c.notNull())
      .addColumn('display_name', 'varchar(128)', (c) => c.notNull())
      .addColumn('secret_sealed', 'text', (c) => c.notNull())
      .addColumn('last_used_step', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('auth_methods_pk', ['tenant_id', 'id'])
      .addForeignKeyConstraint('auth_methods_user', ['tenant_id', 'user_id'], 'users', ['tenant_id', 'id'])
      .execute();

    await db.schema
      .createIndex('auth_methods_by_user')
      .on('auth_methods')
      .columns(['tenant_id', 'user_id'])
      .execute();

    await db.schema
      .createTable('recovery_codes')
      .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('id', 'varchar(36)', (c) => c.notNull())
      .addColumn('user_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('code_hash', 'varchar(128)', (c) => c.notNull())
      .addColumn('used_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('recovery_codes_pk', ['tenant_id', 'id'])
      .addForeignKeyConstraint('recovery_codes_user', ['tenant_id', 'user_id'], 'users', ['tenant_id', 'id'])
      .execute();

    await db.schema
      .createIndex('recovery_codes_by_user')
      .on('recovery_codes')
      .columns(['tenant_id', 'user_id', 'code_hash'])
      .execute();

    await db.schema
      .createTable('sign_in_flows')
      .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('id', 'varchar(64)', (c) => c.notNull())
      .addColumn('state', 'varchar(32)', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('sign_in_flows_pk', ['tenant_id', 'id'])
      .execute();

    await db.schema
      .createTable('throttles')
      .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('key', 'varchar(400)', (c) => c.notNull())
      .addColumn('failures', 'integer', (c) => c.notNull())
      .addColumn('lock_count', 'integer', (c) => c.notNull())
      .addColumn('locked_until', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('throttles_pk', ['tenant_id', 'key'])
      .execute();

    await db.schema
      .createTable('sign_ins')
      .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('id', 'varchar(36)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('user_id', 'varchar(36)')
      .addColumn('user_principal_name', 'varchar(320)')
      .addColumn('app_id', 'varchar(64)')
      .addColumn('home_tenant_id', 'varchar(36)')
      .addColumn('ip_address', 'varchar(64)')
      .addColumn('client_app_used', 'varchar(32)', (c) => c.notNull())
      .addColumn('is_interactive', 'integer', (c) => c.notNull())
      .addColumn('error_code', 'integer', (c) => c.notNull())
      .addColumn('failure_reason', 'text')
      .addColumn('authentication_requirement', 'varchar(32)', (c) => c.notNull())
      .addColumn('requirement_policy', 'varchar(64)')
      .addColumn('authentication_details', 'text', (c) => c.notNull())
      .addColumn('correlation_id', 'varchar(64)')
      .addPrimaryKeyConstraint('sign_ins_pk', ['tenant_id', 'id'])
      .execute();
    await db.schema
      .createIndex('sign_ins_by_time')
      .on('sign_ins')
      .columns(['tenant_id', 'created_at'])
      .execute();

    await db.schema
      .createTable('signing_keys')
      .addColumn('kid', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('alg', 'varchar(16)', (c) => c.notNull())
      .addColumn('private_jwk_sealed', 'text', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('retired_at', 'bigint')
      .execute();

    await db.schema
      .createTable('oidc_payloads')
      .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('model', 'varchar(32)', (c) => c.notNull())
      .addColumn('id', 'varchar(128)', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('grant_id', 'varchar(128)')
      .addColumn('user_code', 'varchar(64)')
      .addColumn('uid', 'varchar(128)')
      .addColumn('expires_at', 'bigint')
      .addColumn('consumed_at', 'bigint')
      .addPrimaryKeyConstraint('oidc_payloads_pk', ['tenant_id', 'model', 'id'])
      .execute();
    await db.schema
      .createIndex('oidc_payloads_grant')
      .on('oidc_payloads')
      .columns(['tenant_id', 'grant_id'])
      .execute();
    await db.schema
      .createIndex('oidc_payloads_uid')
      .on('oidc_payloads')
      .columns(['tenant_id', 'uid'])
      .execute();
  },
};
