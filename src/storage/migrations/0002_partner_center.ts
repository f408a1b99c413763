import type { Kysely, Migration } from 'kysely';

export const migration: Migration = {
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
};
