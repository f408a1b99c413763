import { type Kysely, type Migration, sql } from 'kysely';

export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    // A first administrator's one-time activation link (warden init, warden tenants create): only
    // the SHA-256 of its secret is stored (STYLE 8: hash what you only compare). The id is random
    // and names the link in the URL; the page looks the link up by it, then compares the secret.
    await db.schema
      .createTable('activation_links')
      .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
      .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull().references('tenants.id'))
      .addColumn('user_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('secret_hash', 'varchar(64)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('used_at', 'bigint')
      .execute();
    await db.schema
      .createIndex('activation_links_by_user')
      .on('activation_links')
      .columns(['tenant_id', 'user_id'])
      .execute();
    // One operator tenant per installation, settled by the database: two `warden init` run at
    // once cannot both create one (the second insert fails on this index).
    await db.schema
      .createIndex('tenants_one_operator')
      .on('tenants')
      .column('kind')
      .unique()
      .where(sql.ref('kind'), '=', sql.lit('operator'))
      .execute();
  },
};
