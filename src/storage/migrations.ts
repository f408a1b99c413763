import { randomUUID } from 'node:crypto';
import { type Kysely, type Migration, Migrator } from 'kysely';
import type { ApplicationCredentialTable } from './schema.ts';

/** Migrations in code, applied in order; the same statements on SQLite and PostgreSQL. */
const migrations: Record<string, Migration> = {
  '0001_identity_core': {
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
        .addForeignKeyConstraint('recovery_codes_user', ['tenant_id', 'user_id'], 'users', [
          'tenant_id',
          'id',
        ])
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
  },
  '0002_partner_center': {
    async up(db: Kysely<unknown>) {
      // Partner data of issue 3 item 1: all rows belong to the partner tenant (`tenant_id`).
      await db.schema
        .createTable('customers')
        .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull().references('tenants.id'))
        .addColumn('id', 'varchar(36)', (c) => c.notNull())
        .addColumn('customer_tenant_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('company_name', 'varchar(256)', (c) => c.notNull())
        .addColumn('domain', 'varchar(253)', (c) => c.notNull())
        .addColumn('country', 'varchar(2)', (c) => c.notNull())
        .addColumn('profile', 'text', (c) => c.notNull())
        .addColumn('relationship', 'varchar(32)', (c) => c.notNull())
        .addColumn('delegated_admin', 'varchar(16)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('customers_pk', ['tenant_id', 'id'])
        .addUniqueConstraint('customers_domain', ['tenant_id', 'domain'])
        .execute();

      // The catalog is the operator's, the same for every partner; prices are per country.
      await db.schema
        .createTable('offers')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('name', 'varchar(256)', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('category', 'varchar(64)', (c) => c.notNull())
        .addColumn('billing_cycle', 'varchar(16)', (c) => c.notNull())
        .addColumn('min_quantity', 'integer', (c) => c.notNull())
        .addColumn('max_quantity', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('offer_prices')
        .addColumn('offer_id', 'varchar(64)', (c) => c.notNull().references('offers.id'))
        .addColumn('country', 'varchar(2)', (c) => c.notNull())
        .addColumn('currency', 'varchar(3)', (c) => c.notNull())
        .addColumn('unit_price_cents', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('offer_prices_pk', ['offer_id', 'country'])
        .execute();

      await db.schema
        .createTable('orders')
        .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull().references('tenants.id'))
        .addColumn('id', 'varchar(36)', (c) => c.notNull())
        .addColumn('customer_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('currency', 'varchar(3)', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('line_items', 'text', (c) => c.notNull())
        .addColumn('created_by', 'varchar(64)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('orders_pk', ['tenant_id', 'id'])
        .execute();
      await db.schema
        .createTable('subscriptions')
        .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull().references('tenants.id'))
        .addColumn('id', 'varchar(36)', (c) => c.notNull())
        .addColumn('customer_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('order_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('offer_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('friendly_name', 'varchar(256)', (c) => c.notNull())
        .addColumn('quantity', 'integer', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('billing_cycle', 'varchar(16)', (c) => c.notNull())
        .addColumn('currency', 'varchar(3)', (c) => c.notNull())
        .addColumn('unit_price_cents', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('commitment_end_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('subscriptions_pk', ['tenant_id', 'id'])
        .execute();
      await db.schema
        .createIndex('subscriptions_by_customer')
        .on('subscriptions')
        .columns(['tenant_id', 'customer_id'])
        .execute();

      await db.schema
        .createTable('invoices')
        .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull().references('tenants.id'))
        .addColumn('id', 'varchar(32)', (c) => c.notNull())
        .addColumn('invoice_date', 'bigint', (c) => c.notNull())
        .addColumn('period_start', 'bigint', (c) => c.notNull())
        .addColumn('period_end', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'varchar(3)', (c) => c.notNull())
        .addColumn('total_cents', 'integer', (c) => c.notNull())
        .addColumn('paid_cents', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('invoices_pk', ['tenant_id', 'id'])
        .execute();
      await db.schema
        .createTable('invoice_line_items')
        .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('invoice_id', 'varchar(32)', (c) => c.notNull())
        .addColumn('line_number', 'integer', (c) => c.notNull())
        .addColumn('customer_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('customer_name', 'varchar(256)', (c) => c.notNull())
        .addColumn('subscription_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('offer_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('offer_name', 'varchar(256)', (c) => c.notNull())
        .addColumn('quantity', 'integer', (c) => c.notNull())
        .addColumn('unit_price_cents', 'integer', (c) => c.notNull())
        .addColumn('amount_cents', 'integer', (c) => c.notNull())
        .addColumn('charge_start', 'bigint', (c) => c.notNull())
        .addColumn('charge_end', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('invoice_line_items_pk', ['tenant_id', 'invoice_id', 'line_number'])
        .addForeignKeyConstraint('invoice_line_items_invoice', ['tenant_id', 'invoice_id'], 'invoices', [
          'tenant_id',
          'id',
        ])
        .execute();

      await db.schema
        .createTable('service_requests')
        .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull().references('tenants.id'))
        .addColumn('id', 'varchar(36)', (c) => c.notNull())
        .addColumn('customer_id', 'varchar(36)')
        .addColumn('title', 'varchar(256)', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('severity', 'varchar(16)', (c) => c.notNull())
        .addColumn('status', 'varchar(24)', (c) => c.notNull())
        .addColumn('support_topic', 'varchar(128)', (c) => c.notNull())
        .addColumn('created_by', 'varchar(320)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('service_requests_pk', ['tenant_id', 'id'])
        .execute();

      // The dashboard's signed-in sessions (issue 3 item 3): the cookie holds a random id; we keep its hash.
      await db.schema
        .createTable('dashboard_sessions')
        .addColumn('id_hash', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('user_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('amr', 'text', (c) => c.notNull())
        .addColumn('auth_time', 'bigint', (c) => c.notNull())
        .addColumn('csrf', 'varchar(64)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();

      // The request log of SPEC §11 (B1, B2 and the downloads of the compliance report).
      await db.schema
        .createTable('request_log')
        .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('id', 'varchar(36)', (c) => c.notNull())
        .addColumn('occurred_at', 'bigint', (c) => c.notNull())
        .addColumn('surface', 'varchar(16)', (c) => c.notNull())
        .addColumn('operation', 'varchar(64)', (c) => c.notNull())
        .addColumn('user_id', 'varchar(36)')
        .addColumn('user_principal_name', 'varchar(320)')
        .addColumn('app_id', 'varchar(64)')
        .addColumn('mfa_compliant', 'integer', (c) => c.notNull())
        .addColumn('outcome', 'varchar(16)', (c) => c.notNull())
        .addColumn('status_code', 'integer', (c) => c.notNull())
        .addColumn('correlation_id', 'varchar(64)', (c) => c.notNull())
        .addPrimaryKeyConstraint('request_log_pk', ['tenant_id', 'id'])
        .execute();
      await db.schema
        .createIndex('request_log_by_time')
        .on('request_log')
        .columns(['tenant_id', 'occurred_at'])
        .execute();
    },
  },
  '0003_directory_administration': {
    async up(db: Kysely<unknown>) {
      // SPEC §9: an admin's reset gives a temporary password that must be changed at next sign-in.
      await db.schema
        .alterTable('users')
        .addColumn('password_change_required', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      // Graph's passwordCredentials (issue 4 item 1): an application may hold several secrets at
      // once, so one can be rotated without downtime. Sealed, since the protocol compares them.
      await db.schema
        .createTable('application_credentials')
        .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('application_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('key_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('display_name', 'varchar(256)')
        .addColumn('hint', 'varchar(8)', (c) => c.notNull())
        .addColumn('secret_sealed', 'text', (c) => c.notNull())
        .addColumn('end_at', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('application_credentials_pk', ['tenant_id', 'application_id', 'key_id'])
        .execute();
    },
  },
  '0004_client_secrets_in_credentials': {
    async up(db: Kysely<unknown>) {
      // One place for client secrets: each old single secret becomes a credential of its
      // application, sealed as it was (same key, same associated data `client:{id}`), never
      // expiring like before. Its hint cannot be read without the key, so it stays empty.
      const data = db as Kysely<LegacyApplications>;
      const rows = await data
        .selectFrom('applications')
        .select(['tenant_id', 'id', 'client_secret_sealed', 'created_at'])
        .where('client_secret_sealed', 'is not', null)
        .execute();
      for (const row of rows) {
        await data
          .insertInto('application_credentials')
          .values({
            tenant_id: row.tenant_id,
            application_id: row.id,
            key_id: randomUUID(),
            display_name: null,
            hint: '',
            secret_sealed: row.client_secret_sealed!,
            end_at: Date.UTC(9999, 11, 31, 23, 59, 59),
            created_at: row.created_at,
          })
          .execute();
      }
      await db.schema.alterTable('applications').dropColumn('client_secret_sealed').execute();
    },
  },
};

/** The tables migration 0004 reads and writes, as they were before it. */
interface LegacyApplications {
  applications: { tenant_id: string; id: string; client_secret_sealed: string | null; created_at: number };
  application_credentials: ApplicationCredentialTable;
}

/** Applies the migrations not applied yet; returns their names in order (`warden migrate` prints them). */
export async function migrateToLatest(db: Kysely<unknown>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`database migration ${failed ?? ''} failed: ${String(error)}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
