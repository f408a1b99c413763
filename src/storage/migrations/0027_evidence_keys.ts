import type { Kysely, Migration } from 'kysely';

/**
 * The operator's evidence key (issue 14 item 7): signs `warden compliance export`. Kept apart from
 * the token signing keys, which rotate and are deleted two days after retirement: evidence must
 * verify for as long as an auditor keeps it, so an evidence key is never deleted. The private key
 * is sealed at rest (secret-box); the public one is stored plain for verifiers. At most one is
 * active, settled by a unique partial index when two exports create the first at once.
 */
export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('evidence_keys')
      .addColumn('kid', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('alg', 'varchar(16)', (c) => c.notNull())
      .addColumn('public_jwk', 'text', (c) => c.notNull())
      .addColumn('private_jwk_sealed', 'text', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('evidence_keys_one_active')
      .on('evidence_keys')
      .column('status')
      .unique()
      .where('status', '=', 'active')
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('evidence_keys').execute();
  },
};
