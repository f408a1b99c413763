import type { Kysely, Migration } from 'kysely';

/**
 * Webhook delivery leases (SPEC §13, issue 14 item 5): the random token of the run that claimed a
 * delivery. The run records the attempt's result only `where lease_token = <its token>`, so a run
 * whose lease expired (and whose delivery another run claimed again) cannot overwrite the newer
 * result, and a claim is its own, not merely "some claim at this time".
 */
export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('fraud_webhook_deliveries').addColumn('lease_token', 'varchar(36)').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('fraud_webhook_deliveries').dropColumn('lease_token').execute();
  },
};
