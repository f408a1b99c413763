import { randomUUID } from 'node:crypto';
import type { Kysely, Migration } from 'kysely';
import type { ApplicationCredentialTable } from '../schema.ts';

/** The tables migration 0004 reads and writes, as they were before it. */
interface LegacyApplications {
  applications: { tenant_id: string; id: string; client_secret_sealed: string | null; created_at: number };
  application_credentials: ApplicationCredentialTable;
}

export const migration: Migration = {
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
};
