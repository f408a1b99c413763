import type { RawBuilder, SqlBool } from 'kysely';
import type { Db } from '../storage/database.ts';

/**
 * Reads of ID Protection in Graph's shapes (reference entra-identity §6.1 `riskyUser`,
 * `riskDetection`), always of one tenant, ordered by id for keyset paging.
 */

export interface RiskyUser {
  id: string;
  isDeleted: boolean;
  isProcessing: boolean;
  riskLastUpdatedDateTime: string;
  riskLevel: string;
  riskState: string;
  riskDetail: string;
  userDisplayName: string | null;
  userPrincipalName: string | null;
}

export interface RiskDetection {
  id: string;
  requestId: string | null;
  correlationId: string | null;
  riskEventType: string;
  riskState: string;
  riskLevel: string;
  riskDetail: string;
  source: string;
  detectionTimingType: string;
  activity: string;
  tokenIssuerType: string;
  ipAddress: string | null;
  location: null;
  activityDateTime: string;
  detectedDateTime: string;
  lastUpdatedDateTime: string;
  userId: string;
  userDisplayName: string | null;
  userPrincipalName: string | null;
  additionalInfo: string;
}

const iso = (ms: number | string) => new Date(Number(ms)).toISOString();

export async function queryRiskyUsers(
  db: Db,
  tenantId: string,
  query: { conditions?: RawBuilder<SqlBool>[]; afterId?: string; limit: number },
): Promise<RiskyUser[]> {
  let q = db
    .selectFrom('risky_users as r')
    .leftJoin('users as u', (join) =>
      join.onRef('u.tenant_id', '=', 'r.tenant_id').onRef('u.id', '=', 'r.user_id'),
    )
    .select([
      'r.user_id',
      'r.risk_level',
      'r.risk_state',
      'r.risk_detail',
      'r.risk_last_updated_at',
      'u.id as existing',
      'u.display_name',
      'u.user_principal_name',
    ])
    .where('r.tenant_id', '=', tenantId);
  for (const condition of query.conditions ?? []) q = q.where(condition);
  if (query.afterId !== undefined) q = q.where('r.user_id', '>', query.afterId);
  const rows = await q.orderBy('r.user_id').limit(query.limit).execute();
  return rows.map((r) => ({
    id: r.user_id,
    isDeleted: r.existing === null,
    isProcessing: false,
    riskLastUpdatedDateTime: iso(r.risk_last_updated_at),
    riskLevel: r.risk_level,
    riskState: r.risk_state,
    riskDetail: r.risk_detail,
    userDisplayName: r.display_name ?? null,
    userPrincipalName: r.user_principal_name ?? null,
  }));
}

export async function queryRiskDetections(
  db: Db,
  tenantId: string,
  query: { conditions?: RawBuilder<SqlBool>[]; afterId?: string; limit: number },
): Promise<RiskDetection[]> {
  let q = db
    .selectFrom('risk_detections as d')
    .leftJoin('users as u', (join) =>
      join.onRef('u.tenant_id', '=', 'd.tenant_id').onRef('u.id', '=', 'd.user_id'),
    )
    .selectAll('d')
    .select(['u.display_name', 'u.user_principal_name'])
    .where('d.tenant_id', '=', tenantId);
  for (const condition of query.conditions ?? []) q = q.where(condition);
  if (query.afterId !== undefined) q = q.where('d.id', '>', query.afterId);
  const rows = await q.orderBy('d.id').limit(query.limit).execute();
  return rows.map((r) => ({
    id: r.id,
    requestId: r.request_id,
    correlationId: r.request_id,
    riskEventType: r.risk_event_type,
    riskState: r.risk_state,
    riskLevel: r.risk_level,
    riskDetail: r.risk_detail,
    source: r.source,
    detectionTimingType: r.detection_timing_type,
    activity: r.activity,
    tokenIssuerType: 'AzureAD',
    ipAddress: r.ip_address,
    location: null,
    activityDateTime: iso(r.activity_at),
    detectedDateTime: iso(r.detected_at),
    lastUpdatedDateTime: iso(r.last_updated_at),
    userId: r.user_id,
    userDisplayName: r.display_name ?? null,
    userPrincipalName: r.user_principal_name ?? null,
    additionalInfo: r.additional_info,
  }));
}
