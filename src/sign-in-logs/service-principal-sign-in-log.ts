import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { Db } from '../storage/database.ts';
import type { ServicePrincipalSignInTable } from '../storage/schema.ts';
import type { SignInCursor } from './sign-in-log.ts';

/**
 * A service-principal sign-in as Microsoft Graph's `signIn` resource shapes it (reference §8.2,
 * beta `servicePrincipalSignIns`): no user; the app signed in as itself, with a client secret.
 */
export interface GraphServicePrincipalSignIn {
  id: string;
  createdDateTime: string;
  signInEventTypes: ['servicePrincipal'];
  userId: null;
  userPrincipalName: null;
  userDisplayName: null;
  appId: string | null;
  appDisplayName: string | null;
  servicePrincipalId: string | null;
  servicePrincipalName: string | null;
  resourceId: string | null;
  resourceDisplayName: string | null;
  resourceTenantId: string;
  /** Reference §8.2: the home tenant is not applicable to a service principal's sign-in. */
  homeTenantId: null;
  crossTenantAccessType: 'none';
  ipAddress: string | null;
  clientAppUsed: null;
  clientCredentialType: string;
  isInteractive: false;
  status: { errorCode: number; failureReason: string | null };
  correlationId: string;
}

/**
 * The tenant's service-principal sign-ins, newest first, ties ordered by id: the same total order
 * and keyset paging as the user sign-in log (sign-in-log.ts). Conditions refer to `p.<column>`.
 */
export async function queryServicePrincipalSignIns(
  db: Db,
  tenantId: string,
  query: { conditions?: RawBuilder<SqlBool>[]; after?: SignInCursor; limit: number },
): Promise<(GraphServicePrincipalSignIn & { cursor: SignInCursor })[]> {
  let q = db.selectFrom('service_principal_sign_ins as p').selectAll('p').where('p.tenant_id', '=', tenantId);
  for (const condition of query.conditions ?? []) q = q.where(condition);
  const after = query.after;
  if (after)
    q = q.where((eb) =>
      eb.or([
        eb('p.created_at', '<', after.createdAt),
        eb.and([eb('p.created_at', '=', after.createdAt), eb('p.id', '>', after.id)]),
      ]),
    );
  const rows = await q.orderBy('p.created_at', 'desc').orderBy('p.id').limit(query.limit).execute();
  return rows.map((r) => ({ ...toGraph(r), cursor: { createdAt: r.created_at, id: r.id } }));
}

/** One service-principal sign-in of the tenant, or undefined. */
export async function getServicePrincipalSignIn(
  db: Db,
  tenantId: string,
  id: string,
): Promise<GraphServicePrincipalSignIn | undefined> {
  const row = await db
    .selectFrom('service_principal_sign_ins')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? toGraph(row) : undefined;
}

/** The newest service-principal sign-ins (at most 1000) of the tenant, optionally of one app. */
export async function listServicePrincipalSignIns(
  db: Db,
  tenantId: string,
  filter: { appId?: string } = {},
): Promise<GraphServicePrincipalSignIn[]> {
  const conditions = filter.appId ? [sql<SqlBool>`p.app_id = ${filter.appId}`] : [];
  const rows = await queryServicePrincipalSignIns(db, tenantId, { conditions, limit: 1000 });
  return rows.map(({ cursor: _, ...signIn }) => signIn);
}

function toGraph(r: ServicePrincipalSignInTable): GraphServicePrincipalSignIn {
  return {
    id: r.id,
    createdDateTime: new Date(r.created_at).toISOString(),
    signInEventTypes: ['servicePrincipal'],
    userId: null,
    userPrincipalName: null,
    userDisplayName: null,
    appId: r.app_id,
    appDisplayName: r.app_display_name,
    servicePrincipalId: r.service_principal_id,
    servicePrincipalName: r.service_principal_id === null ? null : r.app_display_name,
    resourceId: r.resource_id,
    resourceDisplayName: r.resource_display_name,
    resourceTenantId: r.tenant_id,
    homeTenantId: null,
    crossTenantAccessType: 'none',
    ipAddress: r.ip_address,
    clientAppUsed: null,
    clientCredentialType: r.client_credential_type,
    isInteractive: false,
    status: { errorCode: r.error_code, failureReason: r.failure_reason },
    correlationId: r.correlation_id,
  };
}
