import { randomUUID } from 'node:crypto';
import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { SignInErrorCode } from '../errors/sign-in-errors.ts';
import { SIGN_IN_ERRORS } from '../errors/sign-in-errors.ts';
import type { Db } from '../storage/database.ts';
import type { SignInTable } from '../storage/schema.ts';
import { type DeviceDetail, deviceDetailOf } from './device-detail.ts';
import { type SignInLocation, UNKNOWN_LOCATION } from './location.ts';
import { RESOURCE_DISPLAY_NAMES } from './resource-names.ts';

/** One authentication step of a sign-in (Graph `authenticationDetails`). */
export interface AuthenticationStep {
  authenticationMethod:
    | 'Password'
    | 'Temporary Access Pass'
    | 'Authenticator app code'
    | 'Recovery code'
    | 'FIDO2 security key'
    | 'Refresh token';
  succeeded: boolean;
  authenticationStepDateTime: string;
  authenticationStepResultDetail?: string;
}

export interface SignInRecord {
  resourceTenantId: string;
  homeTenantId: string | null;
  userId: string | null;
  userPrincipalName: string | null;
  appId: string | null;
  ipAddress: string | null;
  clientAppUsed: 'Browser' | 'Mobile Apps and Desktop clients' | 'Other clients';
  isInteractive: boolean;
  errorCode: SignInErrorCode;
  failureReason?: string;
  authenticationRequirement: 'singleFactorAuthentication' | 'multiFactorAuthentication';
  requirementPolicy: string | null;
  steps: AuthenticationStep[];
  correlationId?: string;
  /** The resource the sign-in was for (its audience), when the request named one. */
  resourceId?: string | undefined;
  userAgent?: string | undefined;
  /** Graph `status.additionalDetails`: what the step that decided the outcome said. */
  additionalDetails?: string | undefined;
  /** Issue 15 item 6 (reference entra-identity §6.1): the user's risk when the sign-in was decided. */
  risk?: { level: string; state: string; eventTypes: readonly string[] } | undefined;
  /** Issue 15 item 1: the strength a successful sign-in reached (policy/authentication-strength.ts). */
  authenticationStrength?: 'mfa' | 'phishingResistant' | null | undefined;
  createdAt: number;
}

/** Counts sign-ins as their rows are written (issue 16 item 2; metrics/metrics.ts), when metrics are on. */
export interface SignInCounter {
  signIn(errorCode: number, interactive: boolean): void;
}

/**
 * Writes one row per sign-in attempt (issue 2 item 10). Each writer in src/ counts the row it
 * wrote right after (`counter?.signIn(code, interactive)`; test/metrics.test.ts checks them all).
 */
export async function recordSignIn(db: Db, record: SignInRecord): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto('sign_ins')
    .values({
      tenant_id: record.resourceTenantId,
      id,
      created_at: record.createdAt,
      user_id: record.userId,
      user_principal_name: record.userPrincipalName,
      app_id: record.appId,
      home_tenant_id: record.homeTenantId,
      ip_address: record.ipAddress,
      client_app_used: record.clientAppUsed,
      is_interactive: record.isInteractive ? 1 : 0,
      error_code: record.errorCode,
      failure_reason:
        record.errorCode === 0 ? null : (record.failureReason ?? SIGN_IN_ERRORS[record.errorCode].name),
      authentication_requirement: record.authenticationRequirement,
      requirement_policy: record.requirementPolicy,
      authentication_details: JSON.stringify(record.steps),
      correlation_id: record.correlationId ?? null,
      resource_id: record.resourceId ?? null,
      user_agent: record.userAgent?.slice(0, 512) ?? null,
      // A refusal's additional details are what its Entra code tells the user (sign-in-errors.ts).
      additional_details:
        record.additionalDetails?.slice(0, 512) ??
        (record.errorCode === 0 ? null : SIGN_IN_ERRORS[record.errorCode].userMessage),
      authentication_strength: record.authenticationStrength ?? null,
      risk_level_during_sign_in: record.risk?.level ?? null,
      risk_state: record.risk?.state ?? null,
      risk_event_types: record.risk ? JSON.stringify(record.risk.eventTypes) : null,
    })
    .execute();
  return id;
}

/** A sign-in as Microsoft Graph's `signIn` resource shapes it (the fields that apply). */
export interface GraphSignIn {
  id: string;
  createdDateTime: string;
  userId: string | null;
  userPrincipalName: string | null;
  userDisplayName: string | null;
  appId: string | null;
  appDisplayName: string | null;
  resourceTenantId: string;
  homeTenantId: string | null;
  /**
   * SPEC E3 (reference §2.2): `serviceProvider` when a partner's user signed in to a customer's
   * tenant (home tenant ≠ resource tenant: the only boundary Warden's sign-ins cross), else `none`.
   */
  crossTenantAccessType: 'none' | 'serviceProvider';
  ipAddress: string | null;
  clientAppUsed: string;
  isInteractive: boolean;
  status: { errorCode: number; failureReason: string | null; additionalDetails: string | null };
  authenticationRequirement: string;
  authenticationRequirementPolicies: { requirementProvider: string; detail: string }[];
  authenticationDetails: AuthenticationStep[];
  correlationId: string | null;
  resourceId: string | null;
  resourceDisplayName: string | null;
  userAgent: string | null;
  deviceDetail: DeviceDetail;
  location: SignInLocation;
  /** Warden has no Conditional Access yet (reference §1.7): no policy applied to any sign-in. */
  conditionalAccessStatus: 'notApplied';
  appliedConditionalAccessPolicies: never[];
  /**
   * Reference §6.1, §8.2 (issue 15 item 6): the user's risk when the sign-in was decided. Warden
   * has no separate real-time sign-in risk, so `riskLevelAggregated` is the same level. The row
   * records no per-sign-in remediation, so `riskDetail` is `none`. Rows written before the risk
   * was recorded, and rows of attempts that failed before it was read, answer Graph's defaults.
   */
  riskDetail: 'none';
  riskLevelAggregated: string;
  riskLevelDuringSignIn: string;
  riskState: string;
  /** The legacy enum (reference §6.1) holds leakedCredentials and adminConfirmedUserCompromised only. */
  riskEventTypes: string[];
  riskEventTypes_v2: string[];
}

/** Where a page of the log starts: after this row in the log's order (newest first, then id). */
/** Where an address is, as Graph's `location` says it. */
export type Locate = (ipAddress: string | null) => SignInLocation;

export interface SignInCursor {
  createdAt: number;
  id: string;
}

/**
 * The tenant's sign-ins — its own users' and, SPEC E3, those of partner users into its tenant
 * (tenant_id) and of its users into customers' tenants (home_tenant_id) — newest first; ties in time are ordered by id, so (created_at, id) is a
 * total order and keyset paging serves every row exactly once, even while new sign-ins arrive
 * (they are newer than any cursor, so they land before it, never inside a later page).
 * Conditions refer to the log's columns as `s.<column>`. The user's and the app's display names
 * come from the directory in the same query.
 */
export async function querySignIns(
  db: Db,
  tenantId: string,
  query: {
    conditions?: RawBuilder<SqlBool>[];
    after?: SignInCursor;
    limit: number;
    /** Places an address (the operator's GeoIP table, location.ts); unknown when not given. */
    locate?: Locate;
  },
): Promise<(GraphSignIn & { cursor: SignInCursor })[]> {
  let q = db
    .selectFrom('sign_ins as s')
    .leftJoin('users as u', (join) =>
      join
        .onRef('u.id', '=', 's.user_id')
        .on(sql<SqlBool>`u.tenant_id = coalesce(s.home_tenant_id, s.tenant_id)`),
    )
    .leftJoin('applications as a', 'a.id', 's.app_id')
    .selectAll('s')
    .select(['u.display_name as user_display_name', 'a.display_name as app_display_name'])
    .where((eb) => eb.or([eb('s.tenant_id', '=', tenantId), eb('s.home_tenant_id', '=', tenantId)]));
  for (const condition of query.conditions ?? []) q = q.where(condition);
  const after = query.after;
  if (after)
    q = q.where((eb) =>
      eb.or([
        eb('s.created_at', '<', after.createdAt),
        eb.and([eb('s.created_at', '=', after.createdAt), eb('s.id', '>', after.id)]),
      ]),
    );
  const rows = await q.orderBy('s.created_at', 'desc').orderBy('s.id').limit(query.limit).execute();
  const locate = query.locate ?? (() => UNKNOWN_LOCATION);
  return rows.map((r) => ({
    ...toGraph(r),
    location: locate(r.ip_address),
    cursor: { createdAt: r.created_at, id: r.id },
  }));
}

/** One sign-in of the tenant, or undefined. */
export async function getSignIn(
  db: Db,
  tenantId: string,
  id: string,
  locate?: Locate,
): Promise<GraphSignIn | undefined> {
  const [row] = await querySignIns(db, tenantId, {
    conditions: [sql<SqlBool>`s.id = ${id}`],
    limit: 1,
    ...(locate ? { locate } : {}),
  });
  if (!row) return undefined;
  const { cursor: _, ...signIn } = row;
  return signIn;
}

/** The newest sign-ins (at most 1000), optionally of one user and since a time (dashboard, tests). */
export async function listSignIns(
  db: Db,
  tenantId: string,
  filter: { userId?: string; since?: number } = {},
): Promise<GraphSignIn[]> {
  const conditions: RawBuilder<SqlBool>[] = [];
  if (filter.userId) conditions.push(sql<SqlBool>`s.user_id = ${filter.userId}`);
  if (filter.since !== undefined) conditions.push(sql<SqlBool>`s.created_at >= ${filter.since}`);
  const rows = await querySignIns(db, tenantId, { conditions, limit: 1000 });
  return rows.map(({ cursor: _, ...signIn }) => signIn);
}

/** Reference §6.1: the values of the legacy `riskEventType` enum Warden raises. */
const LEGACY_RISK_EVENT_TYPES: ReadonlySet<string> = new Set([
  'leakedCredentials',
  'adminConfirmedUserCompromised',
]);

function toGraph(
  r: SignInTable & { user_display_name: string | null; app_display_name: string | null },
): GraphSignIn {
  const eventTypes = r.risk_event_types ? (JSON.parse(r.risk_event_types) as string[]) : [];
  return {
    id: r.id,
    createdDateTime: new Date(r.created_at).toISOString(),
    userId: r.user_id,
    userPrincipalName: r.user_principal_name,
    userDisplayName: r.user_display_name,
    appId: r.app_id,
    appDisplayName: r.app_display_name,
    resourceTenantId: r.tenant_id,
    homeTenantId: r.home_tenant_id,
    crossTenantAccessType:
      r.home_tenant_id !== null && r.home_tenant_id !== r.tenant_id ? 'serviceProvider' : 'none',
    ipAddress: r.ip_address,
    clientAppUsed: r.client_app_used,
    isInteractive: r.is_interactive === 1,
    status: {
      errorCode: r.error_code,
      failureReason: r.failure_reason,
      additionalDetails: r.additional_details,
    },
    authenticationRequirement: r.authentication_requirement,
    authenticationRequirementPolicies: r.requirement_policy
      ? [{ requirementProvider: r.requirement_policy.split(':')[0]!, detail: r.requirement_policy }]
      : [],
    authenticationDetails: JSON.parse(r.authentication_details) as AuthenticationStep[],
    correlationId: r.correlation_id,
    resourceId: r.resource_id,
    resourceDisplayName: r.resource_id ? (RESOURCE_DISPLAY_NAMES[r.resource_id] ?? r.resource_id) : null,
    userAgent: r.user_agent,
    deviceDetail: deviceDetailOf(r.user_agent),
    location: UNKNOWN_LOCATION,
    conditionalAccessStatus: 'notApplied',
    appliedConditionalAccessPolicies: [],
    riskDetail: 'none',
    riskLevelAggregated: r.risk_level_during_sign_in ?? 'none',
    riskLevelDuringSignIn: r.risk_level_during_sign_in ?? 'none',
    riskState: r.risk_state ?? 'none',
    riskEventTypes: eventTypes.filter((t) => LEGACY_RISK_EVENT_TYPES.has(t)),
    riskEventTypes_v2: eventTypes,
  };
}
