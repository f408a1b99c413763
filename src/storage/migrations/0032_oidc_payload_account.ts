import type { Migration } from 'kysely';
import { type Kysely, sql } from 'kysely';

/**
 * The account each of oidc-provider's rows belongs to (its payload's `accountId`), as a column with
 * an index, so ending a user's sessions (sessions/user-sessions.ts) is an indexed equality instead
 * of a LIKE over every payload of every tenant — it runs inside the transaction that raises a high
 * risk detection during a sign-in (security review). Rows already stored are filled from their
 * payloads here, in batches; the adapter writes the column from now on.
 */
export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('oidc_payloads').addColumn('account_id', 'varchar(160)').execute();
    await db.schema.createIndex('oidc_payloads_account').on('oidc_payloads').column('account_id').execute();
    const rows = db as unknown as Kysely<{
      oidc_payloads: {
        tenant_id: string;
        model: string;
        id: string;
        payload: string;
        account_id: string | null;
      };
    }>;
    let after = { tenant_id: '', model: '', id: '' };
    for (;;) {
      const batch = await rows
        .selectFrom('oidc_payloads')
        .select(['tenant_id', 'model', 'id', 'payload'])
        .where(sql<boolean>`(tenant_id, model, id) > (${after.tenant_id}, ${after.model}, ${after.id})`)
        .orderBy('tenant_id')
        .orderBy('model')
        .orderBy('id')
        .limit(500)
        .execute();
      for (const row of batch) {
        // As sessions/protocol-rows.ts `payloadAccountId` reads it (a migration keeps its own copy:
        // storage imports no layer above it).
        const p = JSON.parse(row.payload) as {
          accountId?: unknown;
          session?: { accountId?: unknown };
          result?: { login?: { accountId?: unknown } };
        };
        const accountId = [p.accountId, p.session?.accountId, p.result?.login?.accountId].find(
          (c): c is string => typeof c === 'string',
        );
        if (accountId === undefined) continue;
        await rows
          .updateTable('oidc_payloads')
          .set({ account_id: accountId })
          .where('tenant_id', '=', row.tenant_id)
          .where('model', '=', row.model)
          .where('id', '=', row.id)
          .execute();
      }
      const last = batch.at(-1);
      if (!last || batch.length < 500) break;
      after = { tenant_id: last.tenant_id, model: last.model, id: last.id };
    }
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropIndex('oidc_payloads_account').execute();
    await db.schema.alterTable('oidc_payloads').dropColumn('account_id').execute();
  },
};
