import type { Db } from '../storage/database.ts';
import { gdapRole } from './gdap-roles.ts';

/**
 * What a customer sees of its partners in its tenant (SPEC E3, §13): every sign-in of a partner's
 * user at the customer's authority (`sign_ins` rows whose home tenant is another tenant) and every
 * Graph or Partner API operation it made there (`request_log` rows naming the customer), each with the
 * partner user, the roles the access gave, the relationships that gave them, and the methods behind
 * the MFA proof. Read-only; scoped to the one customer tenant.
 */

export interface PartnerActivity {
  kind: 'sign-in' | 'operation';
  at: number;
  partnerTenantId: string;
  partnerName: string;
  userPrincipalName: string | null;
  /** The sign-in's client, or the Partner API operation. */
  what: string;
  succeeded: boolean;
  /** Role names the delegated access gave (operations; sign-ins carry theirs in the token). */
  roles: string[];
  via: 'gdap' | 'dap' | null;
  relationships: string[];
  /** The authentication methods proven, e.g. Password + Authenticator app code, or amr values. */
  methods: string[];
  mfa: boolean;
}

interface DelegatedAccessJson {
  via?: 'gdap' | 'dap';
  roleTemplateIds?: string[];
  relationshipIds?: string[];
  amr?: string[];
}

export async function partnerActivityIn(
  db: Db,
  customerTenantId: string,
  options: { since?: number; limit?: number } = {},
): Promise<PartnerActivity[]> {
  const limit = Math.min(options.limit ?? 200, 1000);
  const since = options.since ?? 0;
  const [signIns, operations] = await Promise.all([
    db
      .selectFrom('sign_ins')
      .select([
        'created_at',
        'home_tenant_id',
        'user_principal_name',
        'app_id',
        'error_code',
        'authentication_details',
        'authentication_requirement',
      ])
      .where('tenant_id', '=', customerTenantId)
      .where('home_tenant_id', 'is not', null)
      .where('home_tenant_id', '!=', customerTenantId)
      .where('created_at', '>=', since)
      .orderBy('created_at', 'desc')
      .limit(limit)
      .execute(),
    db
      .selectFrom('request_log')
      .select([
        'occurred_at',
        'tenant_id',
        'surface',
        'user_principal_name',
        'operation',
        'outcome',
        'mfa_compliant',
        'delegated_access',
      ])
      .where('customer_tenant_id', '=', customerTenantId)
      .where('occurred_at', '>=', since)
      .orderBy('occurred_at', 'desc')
      .limit(limit)
      .execute(),
  ]);
  const parsed = operations.map((row) => ({
    row,
    access: row.delegated_access ? (JSON.parse(row.delegated_access) as DelegatedAccessJson) : {},
  }));
  const partnerIds = new Set<string>([
    ...signIns.map((r) => r.home_tenant_id as string),
    ...operations.map((r) => r.tenant_id),
  ]);
  const relationshipIds = new Set(parsed.flatMap((p) => p.access.relationshipIds ?? []));
  const [tenants, relationships] = await Promise.all([
    partnerIds.size === 0
      ? []
      : db
          .selectFrom('tenants')
          .select(['id', 'display_name'])
          .where('id', 'in', [...partnerIds])
          .execute(),
    relationshipIds.size === 0
      ? []
      : db
          .selectFrom('delegated_admin_relationships')
          .select(['id', 'display_name'])
          .where('customer_tenant_id', '=', customerTenantId)
          .where('id', 'in', [...relationshipIds])
          .execute(),
  ]);
  const partnerName = new Map(tenants.map((t) => [t.id, t.display_name]));
  const relationshipName = new Map(relationships.map((r) => [r.id, r.display_name]));
  const activity: PartnerActivity[] = [
    ...signIns.map((r): PartnerActivity => {
      const steps = JSON.parse(r.authentication_details) as {
        authenticationMethod: string;
        succeeded: boolean;
      }[];
      const methods = [...new Set(steps.filter((s) => s.succeeded).map((s) => s.authenticationMethod))];
      return {
        kind: 'sign-in',
        at: Number(r.created_at),
        partnerTenantId: r.home_tenant_id as string,
        partnerName: partnerName.get(r.home_tenant_id as string) ?? (r.home_tenant_id as string),
        userPrincipalName: r.user_principal_name,
        what: r.app_id ?? 'sign-in',
        succeeded: Number(r.error_code) === 0,
        roles: [],
        via: null,
        relationships: [],
        methods,
        mfa: r.authentication_requirement === 'multiFactorAuthentication' && Number(r.error_code) === 0,
      };
    }),
    ...parsed.map(
      ({ row, access }): PartnerActivity => ({
        kind: 'operation',
        at: Number(row.occurred_at),
        partnerTenantId: row.tenant_id,
        partnerName: partnerName.get(row.tenant_id) ?? row.tenant_id,
        userPrincipalName: row.user_principal_name,
        what: `${row.surface === 'graph-app-user' ? 'Graph' : 'Partner API'}: ${row.operation}`,
        succeeded: row.outcome === 'success',
        roles: (access.roleTemplateIds ?? []).map((id) => gdapRole(id)?.displayName ?? id),
        via: access.via ?? null,
        relationships: (access.relationshipIds ?? []).map((id) => relationshipName.get(id) ?? id),
        methods: access.amr ?? [],
        mfa: Number(row.mfa_compliant) === 1,
      }),
    ),
  ];
  return activity.sort((a, b) => b.at - a.at).slice(0, limit);
}
