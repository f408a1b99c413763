import { randomUUID } from 'node:crypto';
import type { Kysely, Migration } from 'kysely';

/**
 * Entra's three identifiers of an application (reference entra-identity, "application and service
 * principal objects"): the application id (`appId`, the OAuth `client_id`, the token's
 * `appid`/`azp`) is the existing `applications.id`; this adds
 * - `object_id`: the application object's id (Graph `id`), a GUID distinct from `appId`;
 * - `service_principal_id`: the object id of the app's service principal in its home tenant
 *   (an app-only token's `oid`/`sub` there);
 * - `client_id_alias`: an optional human-readable client id (the demo's `contoso-automation`, the
 *   first-party `warden-cli`) that the token endpoint resolves to the application id; unique
 *   across tenants, as client ids are;
 * - `service_principals.id`: the object id of a consented service principal in a customer tenant.
 * Existing rows get random GUIDs. The two first-party clients registered under names before this
 * (`warden-cli`, `warden-partner-center`) take their fixed application ids (src/onboarding/
 * first-party-applications.ts, src/dashboard/registration.ts) and keep the name as alias; the
 * dashboard's secret is re-created under the new id at the next start (it is derived from the
 * master key), so its old sealed copy is removed. Their refresh tokens name the old id and end.
 */
const FIRST_PARTY: Record<string, string> = {
  'warden-cli': '3f6b1a52-9c1e-4d0a-8e5b-57a0c2d9e001',
  'warden-partner-center': '3f6b1a52-9c1e-4d0a-8e5b-57a0c2d9e002',
};

interface Tables {
  applications: {
    tenant_id: string;
    id: string;
    object_id: string;
    service_principal_id: string;
    client_id_alias: string | null;
  };
  application_credentials: { tenant_id: string; application_id: string };
  service_principals: { tenant_id: string; app_id: string; id: string };
}

export const migration: Migration = {
  async up(raw: Kysely<unknown>) {
    const db = raw as unknown as Kysely<Tables>;
    await raw.schema
      .alterTable('applications')
      .addColumn('object_id', 'varchar(36)', (c) => c.notNull().defaultTo(''))
      .execute();
    await raw.schema
      .alterTable('applications')
      .addColumn('service_principal_id', 'varchar(36)', (c) => c.notNull().defaultTo(''))
      .execute();
    await raw.schema.alterTable('applications').addColumn('client_id_alias', 'varchar(64)').execute();
    await raw.schema
      .alterTable('service_principals')
      .addColumn('id', 'varchar(36)', (c) => c.notNull().defaultTo(''))
      .execute();

    for (const app of await db.selectFrom('applications').select(['tenant_id', 'id']).execute()) {
      const fixed = FIRST_PARTY[app.id];
      await db
        .updateTable('applications')
        .set({
          object_id: randomUUID(),
          service_principal_id: randomUUID(),
          ...(fixed ? { id: fixed, client_id_alias: app.id } : {}),
        })
        .where('tenant_id', '=', app.tenant_id)
        .where('id', '=', app.id)
        .execute();
      if (fixed)
        await db
          .deleteFrom('application_credentials')
          .where('tenant_id', '=', app.tenant_id)
          .where('application_id', '=', app.id)
          .execute();
    }
    for (const sp of await db.selectFrom('service_principals').select(['tenant_id', 'app_id']).execute())
      await db
        .updateTable('service_principals')
        .set({ id: randomUUID() })
        .where('tenant_id', '=', sp.tenant_id)
        .where('app_id', '=', sp.app_id)
        .execute();

    // Graph reads an application by its object id within the tenant; the alias is global.
    await raw.schema
      .createIndex('applications_by_object_id')
      .on('applications')
      .columns(['tenant_id', 'object_id'])
      .unique()
      .execute();
    await raw.schema
      .createIndex('applications_by_client_id_alias')
      .on('applications')
      .column('client_id_alias')
      .unique()
      .execute();
    await raw.schema
      .createIndex('service_principals_by_id')
      .on('service_principals')
      .columns(['tenant_id', 'id'])
      .unique()
      .execute();
  },
  async down(raw: Kysely<unknown>) {
    await raw.schema.dropIndex('service_principals_by_id').execute();
    await raw.schema.dropIndex('applications_by_client_id_alias').execute();
    await raw.schema.dropIndex('applications_by_object_id').execute();
    await raw.schema.alterTable('service_principals').dropColumn('id').execute();
    await raw.schema.alterTable('applications').dropColumn('client_id_alias').execute();
    await raw.schema.alterTable('applications').dropColumn('service_principal_id').execute();
    await raw.schema.alterTable('applications').dropColumn('object_id').execute();
  },
};
