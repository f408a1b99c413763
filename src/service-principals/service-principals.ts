import { randomUUID } from 'node:crypto';
import { type AuditActor, recordAuditEvent } from '../audit/audit-events.ts';
import { type Db, inTransaction } from '../storage/database.ts';
import type { ServicePrincipalTable } from '../storage/schema.ts';
import { type ConsentGrant, grantedAppRoles } from './consent-grants.ts';

/**
 * Service principals of multi-tenant applications in customer tenants (reference §3.3): what a
 * partner's application consent leaves in the customer's tenant. Every query names the customer
 * tenant; a partner's reads and removals also name the partner that consented.
 */

/** The audit log's category for consents and their removal (Entra's name for it). */
export const AUDIT_CATEGORY = 'ApplicationManagement';

export interface ServicePrincipal {
  /** The customer tenant. */
  tenantId: string;
  /** The service principal's object id (Graph `servicePrincipal.id`, app-only tokens' `oid` there). */
  id: string;
  appId: string;
  /** The application's home tenant. */
  appTenantId: string;
  displayName: string;
  consentedBy: { tenantId: string; userId: string | null; name: string };
  createdAt: number;
  grants: ConsentGrant[];
}

export interface NewConsent {
  tenantId: string;
  appId: string;
  appTenantId: string;
  displayName: string;
  consentedBy: { tenantId: string; userId: string | null; name: string };
  grants: ConsentGrant[];
}

function toServicePrincipal(row: ServicePrincipalTable, grants: ConsentGrant[]): ServicePrincipal {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    appId: row.app_id,
    appTenantId: row.app_tenant_id,
    displayName: row.display_name,
    consentedBy: {
      tenantId: row.consented_by_tenant_id,
      userId: row.consented_by_user_id,
      name: row.consented_by_name,
    },
    createdAt: Number(row.created_at),
    grants,
  };
}

/** The service principals of a customer tenant (optionally those one partner consented), in app id order. */
export async function listServicePrincipals(
  db: Db,
  tenantId: string,
  filter: { consentedByTenantId?: string; appId?: string } = {},
): Promise<ServicePrincipal[]> {
  let query = db.selectFrom('service_principals').selectAll().where('tenant_id', '=', tenantId);
  if (filter.consentedByTenantId)
    query = query.where('consented_by_tenant_id', '=', filter.consentedByTenantId);
  if (filter.appId) query = query.where('app_id', '=', filter.appId);
  const rows = await query.orderBy('app_id').execute();
  if (rows.length === 0) return [];
  const grants = await db
    .selectFrom('service_principal_grants')
    .select(['app_id', 'resource', 'scopes'])
    .where('tenant_id', '=', tenantId)
    .where(
      'app_id',
      'in',
      rows.map((r) => r.app_id),
    )
    .orderBy('resource')
    .execute();
  return rows.map((row) =>
    toServicePrincipal(
      row,
      grants
        .filter((g) => g.app_id === row.app_id)
        .map((g) => ({ resource: g.resource, scopes: JSON.parse(g.scopes) as string[] })),
    ),
  );
}

export async function getServicePrincipal(
  db: Db,
  tenantId: string,
  appId: string,
  filter: { consentedByTenantId?: string } = {},
): Promise<ServicePrincipal | undefined> {
  return (await listServicePrincipals(db, tenantId, { ...filter, appId }))[0];
}

/**
 * Consents an application into a customer tenant: the service principal and its grants in one
 * transaction, audited in both tenants. An existing service principal (an earlier consent, or a
 * concurrent one that won the primary key) is left as it is and returned with `created: false`.
 */
export async function consentApplication(
  db: Db,
  consent: NewConsent,
  actor: AuditActor,
  now: number,
): Promise<{ servicePrincipal: ServicePrincipal; created: boolean }> {
  return inTransaction(db, async (trx) => {
    const inserted = await trx
      .insertInto('service_principals')
      .values({
        tenant_id: consent.tenantId,
        id: randomUUID(),
        app_id: consent.appId,
        app_tenant_id: consent.appTenantId,
        display_name: consent.displayName.slice(0, 256),
        consented_by_tenant_id: consent.consentedBy.tenantId,
        consented_by_user_id: consent.consentedBy.userId,
        consented_by_name: consent.consentedBy.name.slice(0, 320),
        created_at: now,
      })
      .onConflict((oc) => oc.columns(['tenant_id', 'app_id']).doNothing())
      .executeTakeFirst();
    const created = Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0;
    if (created) {
      if (consent.grants.length > 0)
        await trx
          .insertInto('service_principal_grants')
          .values(
            consent.grants.map((g) => ({
              tenant_id: consent.tenantId,
              app_id: consent.appId,
              resource: g.resource,
              scopes: JSON.stringify(g.scopes),
            })),
          )
          .execute();
      await recordAuditEvent(
        trx,
        [consent.tenantId, consent.consentedBy.tenantId],
        {
          category: AUDIT_CATEGORY,
          activity: 'Consent to application',
          actor,
          target: { type: 'ServicePrincipal', id: consent.appId, name: consent.displayName },
          details: { grants: consent.grants, appTenantId: consent.appTenantId },
        },
        now,
      );
    }
    const servicePrincipal = await getServicePrincipal(trx, consent.tenantId, consent.appId);
    if (!servicePrincipal) throw new Error('service principal vanished inside its own transaction');
    return { servicePrincipal, created };
  });
}

/**
 * Removes a service principal and its grants (audited in the customer's and the consenting
 * partner's logs); false when there is none (or, with `consentedByTenantId`, none that partner
 * consented). The conditional delete settles two concurrent removals: one of them removes it.
 */
export async function removeServicePrincipal(
  db: Db,
  tenantId: string,
  appId: string,
  filter: { consentedByTenantId?: string },
  actor: AuditActor,
  now: number,
): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    const found = await getServicePrincipal(trx, tenantId, appId, filter);
    if (!found) return false;
    const deleted = await trx
      .deleteFrom('service_principals')
      .where('tenant_id', '=', tenantId)
      .where('app_id', '=', appId)
      .where('created_at', '=', found.createdAt)
      .executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) return false;
    await trx
      .deleteFrom('service_principal_grants')
      .where('tenant_id', '=', tenantId)
      .where('app_id', '=', appId)
      .execute();
    await recordAuditEvent(
      trx,
      [tenantId, found.consentedBy.tenantId],
      {
        category: AUDIT_CATEGORY,
        activity: 'Remove service principal',
        actor,
        target: { type: 'ServicePrincipal', id: appId, name: found.displayName },
        details: { grants: found.grants, appTenantId: found.appTenantId },
      },
      now,
    );
    return true;
  });
}

/**
 * The service principal's object id and the app roles an application (of its home tenant) holds
 * in a tenant through its service principal there, or undefined when the tenant has none for it:
 * one indexed query (the primary keys), as the token endpoint asks it on every client lookup at a
 * foreign authority.
 */
export async function servicePrincipalAppRoles(
  db: Db,
  tenantId: string,
  app: { id: string; tenantId: string },
): Promise<{ servicePrincipalId: string; appRoles: string[] } | undefined> {
  const rows = await db
    .selectFrom('service_principals as sp')
    .leftJoin('service_principal_grants as g', (join) =>
      join.onRef('g.tenant_id', '=', 'sp.tenant_id').onRef('g.app_id', '=', 'sp.app_id'),
    )
    .select(['sp.id', 'g.resource', 'g.scopes'])
    .where('sp.tenant_id', '=', tenantId)
    .where('sp.app_id', '=', app.id)
    // Only the application that was consented: an app registered later under a freed id is not it.
    .where('sp.app_tenant_id', '=', app.tenantId)
    .execute();
  const first = rows[0];
  if (!first) return undefined;
  return {
    servicePrincipalId: first.id,
    appRoles: grantedAppRoles(
      rows.flatMap((r) =>
        r.resource === null || r.scopes === null
          ? []
          : [{ resource: r.resource, scopes: JSON.parse(r.scopes) as string[] }],
      ),
    ),
  };
}
