import { randomUUID } from 'node:crypto';
import type { SignInErrorCode } from '../errors/sign-in-errors.ts';
import { SIGN_IN_ERRORS } from '../errors/sign-in-errors.ts';
import type { Db } from '../storage/database.ts';

/** One authentication step of a sign-in (Graph `authenticationDetails`). */
export interface AuthenticationStep {
  authenticationMethod: 'Password' | 'Authenticator app code' | 'Recovery code' | 'Refresh token';
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
  createdAt: number;
}

/** Writes one row per sign-in attempt (issue 2 item 10). */
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
  appId: string | null;
  resourceTenantId: string;
  homeTenantId: string | null;
  ipAddress: string | null;
  clientAppUsed: string;
  isInteractive: boolean;
  status: { errorCode: number; failureReason: string | null };
  authenticationRequirement: string;
  authenticationRequirementPolicies: { requirementProvider: string; detail: string }[];
  authenticationDetails: AuthenticationStep[];
  correlationId: string | null;
}

export async function listSignIns(
  db: Db,
  tenantId: string,
  filter: { userId?: string; since?: number } = {},
): Promise<GraphSignIn[]> {
  let query = db.selectFrom('sign_ins').selectAll().where('tenant_id', '=', tenantId);
  if (filter.userId) query = query.where('user_id', '=', filter.userId);
  if (filter.since !== undefined) query = query.where('created_at', '>=', filter.since);
  const rows = await query.orderBy('created_at', 'desc').orderBy('id').limit(1000).execute();
  return rows.map((r) => ({
    id: r.id,
    createdDateTime: new Date(r.created_at).toISOString(),
    userId: r.user_id,
    userPrincipalName: r.user_principal_name,
    appId: r.app_id,
    resourceTenantId: r.tenant_id,
    homeTenantId: r.home_tenant_id,
    ipAddress: r.ip_address,
    clientAppUsed: r.client_app_used,
    isInteractive: r.is_interactive === 1,
    status: { errorCode: r.error_code, failureReason: r.failure_reason },
    authenticationRequirement: r.authentication_requirement,
    authenticationRequirementPolicies: r.requirement_policy
      ? [{ requirementProvider: r.requirement_policy.split(':')[0]!, detail: r.requirement_policy }]
      : [],
    authenticationDetails: JSON.parse(r.authentication_details) as AuthenticationStep[],
    correlationId: r.correlation_id,
  }));
}
