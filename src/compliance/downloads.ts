import { sql } from 'kysely';
import type { Db } from '../storage/database.ts';
import { addDays, dayOf, startOfDay, WINDOW_DAYS } from './days.ts';

/**
 * The downloads of the security requirements status (SPEC §11, reference §4.1), with Partner
 * Center's field names. The first two read the daily rollups of the last 7 UTC days, today
 * included (what has been logged so far); the third reads raw rows newest first through the
 * index (tenant_id, surface, occurred_at). Every query is scoped to the tenant.
 */

/** "Portal requests without MFA" (`GET /v1/nonMfaCompliantPartnerPrincipals`). */
export interface NonMfaPrincipal {
  objectId: string;
  tenantId: string;
  upn: string;
  lastNonMfaCompliantRequestDateTime: string;
}

/** "API requests summary", one application on one day (`GET /v1/applicationmfaadoptionstatus`). */
export interface ApplicationAdoption {
  loginDate: string;
  mfaCompliantRequestCount: number;
  totalRequestCount: number;
  applicationId: string;
  applicationName: string;
}

/** "All API requests" (`GET /v1/partnerRequests`). */
export interface PartnerRequest {
  requestId: string;
  correlationId: string;
  operationName: string;
  requestDateTime: string;
  ipAddress: string | null;
  objectId: string;
  tenantId: string;
  upn: string;
  applicationId: string;
  mfaCompliant: boolean;
}

/** Partner Center keeps at most the 10,000 most recent App+User requests (reference §4.1). */
export const MAX_PARTNER_REQUESTS = 10_000;

function windowOf(now: number): { from: string; to: string } {
  const to = dayOf(now);
  return { from: addDays(to, -(WINDOW_DAYS - 1)), to };
}

/**
 * The users who made requests without the MFA proof on a surface (the dashboard: B1's accounts;
 * App+User API: B2's) in the window, each with the last such request, most recent first.
 */
export async function nonMfaPrincipals(
  db: Db,
  tenantId: string,
  now: number,
  surface: 'dashboard' | 'api-app-user',
): Promise<NonMfaPrincipal[]> {
  const { from, to } = windowOf(now);
  const rows = await db
    .selectFrom('request_rollups')
    .select([
      'user_id',
      sql<string | null>`max(user_principal_name)`.as('upn'),
      sql<number>`max(last_non_mfa_at)`.as('last'),
    ])
    .where('tenant_id', '=', tenantId)
    .where('day', '>=', from)
    .where('day', '<=', to)
    .where('surface', '=', surface)
    .where('user_id', '!=', '')
    .where('last_non_mfa_at', 'is not', null)
    .groupBy('user_id')
    .execute();
  return rows
    .map((r) => ({
      objectId: r.user_id,
      tenantId,
      upn: r.upn ?? '',
      lastNonMfaCompliantRequestDateTime: new Date(Number(r.last)).toISOString(),
    }))
    .sort(
      (a, b) =>
        b.lastNonMfaCompliantRequestDateTime.localeCompare(a.lastNonMfaCompliantRequestDateTime) ||
        a.objectId.localeCompare(b.objectId),
    );
}

/**
 * App+User API requests per application per day in the window, oldest day first. An application's
 * name is its registration's display name: the partner's own applications and the multi-tenant
 * ones (such as warden-cli) any tenant may sign in with; an id Warden no longer knows shows as is.
 */
export async function applicationAdoption(
  db: Db,
  tenantId: string,
  now: number,
): Promise<ApplicationAdoption[]> {
  const { from, to } = windowOf(now);
  const rows = await db
    .selectFrom('request_rollups')
    .select(['day', 'app_id', sql<number>`sum(mfa_compliant)`.as('mfa'), sql<number>`sum(total)`.as('total')])
    .where('tenant_id', '=', tenantId)
    .where('day', '>=', from)
    .where('day', '<=', to)
    .where('surface', '=', 'api-app-user')
    .groupBy(['day', 'app_id'])
    .orderBy('day')
    .orderBy('app_id')
    .execute();
  const appIds = [...new Set(rows.map((r) => r.app_id).filter((id) => id !== ''))];
  const names = new Map<string, string>();
  if (appIds.length > 0) {
    const apps = await db
      .selectFrom('applications')
      .select(['id', 'display_name', 'tenant_id'])
      .where('id', 'in', appIds)
      .where((eb) => eb.or([eb('tenant_id', '=', tenantId), eb('multi_tenant', '=', 1)]))
      .execute();
    for (const app of apps) names.set(app.id, app.display_name);
  }
  return rows.map((r) => ({
    loginDate: new Date(startOfDay(r.day)).toISOString(),
    mfaCompliantRequestCount: Number(r.mfa),
    totalRequestCount: Number(r.total),
    applicationId: r.app_id,
    applicationName: names.get(r.app_id) ?? r.app_id,
  }));
}

/** The most recent App+User Partner API requests, newest first, refused ones included. */
export async function recentPartnerRequests(
  db: Db,
  tenantId: string,
  limit = MAX_PARTNER_REQUESTS,
): Promise<PartnerRequest[]> {
  const rows = await db
    .selectFrom('request_log')
    .select([
      'request_id',
      'correlation_id',
      'operation',
      'occurred_at',
      'ip_address',
      'user_id',
      'user_principal_name',
      'app_id',
      'mfa_compliant',
      'under_exception',
    ])
    .where('tenant_id', '=', tenantId)
    .where('surface', '=', 'api-app-user')
    .orderBy('occurred_at', 'desc')
    .orderBy('id', 'desc')
    .limit(Math.max(0, Math.min(limit, MAX_PARTNER_REQUESTS)))
    .execute();
  return rows.map((r) => ({
    requestId: r.request_id ?? '',
    correlationId: r.correlation_id,
    operationName: r.operation,
    requestDateTime: new Date(Number(r.occurred_at)).toISOString(),
    ipAddress: r.ip_address,
    objectId: r.user_id ?? '',
    tenantId,
    upn: r.user_principal_name ?? '',
    applicationId: r.app_id ?? '',
    mfaCompliant: r.mfa_compliant === 1 && r.under_exception !== 1,
  }));
}
