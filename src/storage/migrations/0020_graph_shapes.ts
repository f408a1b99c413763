import type { Kysely, Migration } from 'kysely';

/**
 * Issue 13 item 2: the Graph shapes a script expects.
 * - users: Graph's default `user` properties Warden had no column for (mail, businessPhones as
 *   JSON text, jobTitle, mobilePhone, officeLocation, preferredLanguage). `usageLocation` stays in
 *   `user_usage_locations` (migration 0011), its one home, shared with the Partner API.
 * - sign_ins: what Graph's `signIn` shows and the log could not tell (reference §8): the resource
 *   the token was for, the user agent it came from (deviceDetail is parsed from it when read, so
 *   a better parser fixes old rows too) and `status.additionalDetails`.
 */
export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    for (const [name, type] of [
      ['mail', 'varchar(320)'],
      ['business_phones', 'text'],
      ['job_title', 'varchar(128)'],
      ['mobile_phone', 'varchar(64)'],
      ['office_location', 'varchar(128)'],
      ['preferred_language', 'varchar(16)'],
    ] as const) {
      await db.schema.alterTable('users').addColumn(name, type).execute();
    }
    await db.schema.createIndex('users_by_mail').on('users').columns(['tenant_id', 'mail']).execute();
    for (const [name, type] of [
      ['resource_id', 'varchar(255)'],
      ['user_agent', 'varchar(512)'],
      ['additional_details', 'varchar(512)'],
    ] as const) {
      await db.schema.alterTable('sign_ins').addColumn(name, type).execute();
    }
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropIndex('users_by_mail').execute();
    for (const name of [
      'mail',
      'business_phones',
      'job_title',
      'mobile_phone',
      'office_location',
      'preferred_language',
    ])
      await db.schema.alterTable('users').dropColumn(name).execute();
    for (const name of ['resource_id', 'user_agent', 'additional_details'])
      await db.schema.alterTable('sign_ins').dropColumn(name).execute();
  },
};
