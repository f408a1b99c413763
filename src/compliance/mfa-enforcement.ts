import { holdsAnyOf, SECURITY_DEFAULTS_MFA_ROLES } from '../directory/role-sets.ts';
import type { Tenant } from '../directory/tenants.ts';
import { toUser, type User } from '../directory/users.ts';
import { decideSignInRequirement, factsFor } from '../policy/sign-in-requirement.ts';
import type { Db } from '../storage/database.ts';

/**
 * Why an enabled account does not have MFA enforced (SPEC §11, reference §4.1 "why the report can
 * show below 100 %"). Warden has no per-user policy exclusions and no federation yet, so
 * `excludedUser` and `federatedNoMfaClaim` do not occur today; they are named so the figures'
 * reasons keep one vocabulary when those arrive.
 */
export type NotEnforcedReason =
  /** Neither security defaults nor a tenant policy requiring MFA is on. */
  | 'noPolicy'
  /** Security defaults prompt a user without an administrator role only on a risky sign-in. */
  | 'securityDefaultsRiskOnly'
  /** Security defaults let the user skip registration for 14 days, and the window is open. */
  | 'registrationWindow'
  | 'excludedUser'
  | 'federatedNoMfaClaim';

export interface AccountEnforcement {
  userId: string;
  userPrincipalName: string;
  accountEnabled: boolean;
  /** Holds a role security defaults treat as an administrator's (Entra's list, role-sets.ts). */
  isAdmin: boolean;
  /** Has an MFA method registered. */
  mfaRegistered: boolean;
  /** Every interactive sign-in of this account must pass MFA (or register for it first). */
  enforced: boolean;
  reason?: NotEnforcedReason;
}

/**
 * Whether policy enforces MFA on this account *now*: THE policy function (sign-in-requirement.ts)
 * is asked about an ordinary browser sign-in with no risk and no step-up, so the answer is what the
 * tenant's policies demand on their own, not what an application happened to ask for.
 */
export function enforcementOf(
  tenant: Pick<Tenant, 'security_defaults' | 'require_mfa_all_users' | 'security_defaults_enabled_at'>,
  user: User,
  mfaRegistered: boolean,
  now: number,
): AccountEnforcement {
  const decision = decideSignInRequirement(
    factsFor(tenant, user, {
      hasMfaMethod: mfaRegistered,
      clientApp: 'browser',
      stepUp: undefined,
      // SPEC §11: enforcement is what an ordinary sign-in asks; MFA asked only when the user is at
      // risk (SPEC §9) is security defaults' risk-only MFA, counted as not enforced.
      risky: false,
      now,
    }),
  );
  const base = {
    userId: user.id,
    userPrincipalName: user.userPrincipalName,
    accountEnabled: user.accountEnabled,
    isAdmin: holdsAnyOf(user.directoryRoles, SECURITY_DEFAULTS_MFA_ROLES),
    mfaRegistered,
  };
  if (decision.outcome === 'block') return { ...base, enforced: false };
  if (decision.factors === 'multi') return { ...base, enforced: true };
  const reason: NotEnforcedReason =
    tenant.security_defaults !== 1
      ? 'noPolicy'
      : decision.registration === 'offered'
        ? 'registrationWindow'
        : 'securityDefaultsRiskOnly';
  return { ...base, enforced: false, reason };
}

/**
 * Every account of a tenant with its enforcement (two queries, whatever the size: the users, and
 * which of them have an MFA method). Disabled accounts are included with `accountEnabled: false`;
 * figure A leaves them out (SPEC §11).
 */
export async function tenantEnforcement(db: Db, tenant: Tenant, now: number): Promise<AccountEnforcement[]> {
  const [rows, withMethod] = await Promise.all([
    db
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', tenant.id)
      .orderBy('user_principal_name')
      .execute(),
    db.selectFrom('auth_methods').select('user_id').distinct().where('tenant_id', '=', tenant.id).execute(),
  ]);
  const registered = new Set(withMethod.map((r) => r.user_id));
  return rows.map((row) => enforcementOf(tenant, toUser(row), registered.has(row.id), now));
}
