import type { Kysely, Migration } from 'kysely';

/**
 * SPEC E3 (issue 11 item 5): a partner's sign-ins into its customers' tenants (admin on behalf of)
 * are rows of the customer's log that the partner's log shows too, found by the user's home
 * tenant; the DAP inactivity report reads them by customer and home tenant.
 */
export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createIndex('sign_ins_by_home_tenant')
      .on('sign_ins')
      .columns(['home_tenant_id', 'created_at'])
      .execute();
  },
};
