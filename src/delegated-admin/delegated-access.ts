import { ROLE_DEFINITIONS } from '../directory/roles.ts';
import type { Db } from '../storage/database.ts';

/**
 * THE decision of cross-tenant access (SPEC E3, §13; reference §1.10, §2.3): which Entra roles a
 * partner's user holds in a customer's tenant **now**. Every place that lets a partner user act in
 * a customer tenant — the sign-in at the customer's authority, the token's `wids`, a refresh, the
 * Graph gate, the Partner API's delegated category — asks this function and nothing else, and
 * asks it again on every request (nothing is taken from a token).
 *
 * - GDAP: the union of the roles of the active access assignments of the user's groups, on
 *   relationships with that customer that are active and not past their end.
 * - DAP (only while the customer still has it): AdminAgents → Global Administrator,
 *   HelpdeskAgents → Helpdesk Administrator.
 * - GDAP wins over DAP: a user who holds any GDAP role in the customer gets only the GDAP roles
 *   (reference §1.10: DAP Global Administrator plus GDAP Global Reader is Global Reader).
 */

export interface DelegatedAccess {
  partnerTenantId: string;
  customerTenantId: string;
  /** Entra role template ids the user holds in the customer's tenant now (lower case, sorted). */
  roleTemplateIds: string[];
  /** Where the roles come from. */
  via: 'gdap' | 'dap';
  /** The GDAP relationships that grant them (empty for DAP). */
  relationshipIds: string[];
}

const DAP_ROLES: Record<'AdminAgents' | 'HelpdeskAgents', string> = {
  AdminAgents: ROLE_DEFINITIONS['Global Administrator'].templateId,
  HelpdeskAgents: ROLE_DEFINITIONS['Helpdesk Administrator'].templateId,
};

/**
 * The access of `userId` (a user of `homeTenantId`) in `customerTenantId` at `now`, or undefined
 * when there is none: the home tenant is not a partner, the user is disabled or gone, or neither
 * an active GDAP assignment nor DAP gives a role.
 */
export async function delegatedAccessOf(
  db: Db,
  who: { homeTenantId: string; userId: string; customerTenantId: string },
  now: number,
): Promise<DelegatedAccess | undefined> {
  if (who.homeTenantId === who.customerTenantId) return undefined;
  // The user, enabled, a member (never a guest), of a partner tenant: one indexed lookup.
  const user = await db
    .selectFrom('users as u')
    .innerJoin('tenants as t', 't.id', 'u.tenant_id')
    .select('u.id')
    .where('u.tenant_id', '=', who.homeTenantId)
    .where('u.id', '=', who.userId)
    .where('u.account_enabled', '=', 1)
    .where('u.user_type', '=', 'member')
    .where('t.kind', '=', 'partner')
    .executeTakeFirst();
  if (!user) return undefined;

  const assignments = await db
    .selectFrom('delegated_admin_access_assignments as a')
    .innerJoin('delegated_admin_relationships as r', 'r.id', 'a.relationship_id')
    .innerJoin('group_members as m', (join) =>
      join.onRef('m.tenant_id', '=', 'a.partner_tenant_id').onRef('m.group_id', '=', 'a.group_id'),
    )
    .select(['a.roles', 'r.id as relationship_id'])
    .where('a.partner_tenant_id', '=', who.homeTenantId)
    .where('r.partner_tenant_id', '=', who.homeTenantId)
    .where('r.customer_tenant_id', '=', who.customerTenantId)
    .where('r.status', '=', 'active')
    .where('r.ends_at', '>', now)
    .where('a.status', '=', 'active')
    .where('m.user_id', '=', who.userId)
    .execute();
  if (assignments.length > 0) {
    const roles = new Set<string>();
    for (const row of assignments) for (const role of JSON.parse(row.roles) as string[]) roles.add(role);
    return {
      partnerTenantId: who.homeTenantId,
      customerTenantId: who.customerTenantId,
      roleTemplateIds: [...roles].sort(),
      via: 'gdap',
      relationshipIds: [...new Set(assignments.map((row) => row.relationship_id))].sort(),
    };
  }

  // DAP, while the customer still grants it: the user's agent groups, in the same query.
  const groups = await db
    .selectFrom('customers as c')
    .innerJoin('group_members as m', (join) =>
      join.onRef('m.tenant_id', '=', 'c.tenant_id').on('m.user_id', '=', who.userId),
    )
    .innerJoin('groups as g', (join) =>
      join.onRef('g.tenant_id', '=', 'm.tenant_id').onRef('g.id', '=', 'm.group_id'),
    )
    .select('g.display_name')
    .where('c.tenant_id', '=', who.homeTenantId)
    .where('c.customer_tenant_id', '=', who.customerTenantId)
    .where('c.delegated_admin', '=', 'dap')
    .where('g.display_name', 'in', Object.keys(DAP_ROLES))
    .execute();
  const roles = groups.map((group) => DAP_ROLES[group.display_name as keyof typeof DAP_ROLES]);
  if (roles.length === 0) return undefined;
  return {
    partnerTenantId: who.homeTenantId,
    customerTenantId: who.customerTenantId,
    roleTemplateIds: [...new Set(roles)].sort(),
    via: 'dap',
    relationshipIds: [],
  };
}

/**
 * Whether `userId` (a user of `homeTenantId`) holds roles in any customer's tenant at `now` through
 * GDAP: a member of a group with an active access assignment on an active relationship not past its
 * end (the rule of `delegatedAccessOf`, for every customer at once). Such a user is an
 * administrator elsewhere, though it may hold no role at home (directory/refusals.ts, the
 * first-registration guard of policy/sign-in-requirement.ts).
 */
export async function holdsDelegatedAdminRoles(
  db: Db,
  who: { homeTenantId: string; userId: string },
  now: number,
): Promise<boolean> {
  const row = await db
    .selectFrom('delegated_admin_access_assignments as a')
    .innerJoin('delegated_admin_relationships as r', 'r.id', 'a.relationship_id')
    .innerJoin('group_members as m', (join) =>
      join.onRef('m.tenant_id', '=', 'a.partner_tenant_id').onRef('m.group_id', '=', 'a.group_id'),
    )
    .select('a.relationship_id')
    .where('a.partner_tenant_id', '=', who.homeTenantId)
    .where('r.partner_tenant_id', '=', who.homeTenantId)
    .where('r.status', '=', 'active')
    .where('r.ends_at', '>', now)
    .where('a.status', '=', 'active')
    .where('m.user_id', '=', who.userId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Whether membership of `groupId` grants roles in customers' tenants: the group carries a GDAP
 * access assignment that is pending or active (SPEC §13). Adding someone to such a group gives them
 * those roles, so the directory asks this before a member change (directory/refusals.ts).
 */
export async function groupCarriesDelegatedAccess(
  db: Db,
  partnerTenantId: string,
  groupId: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('delegated_admin_access_assignments')
    .select('id')
    .where('partner_tenant_id', '=', partnerTenantId)
    .where('group_id', '=', groupId)
    .where('status', 'in', ['pending', 'active'])
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Which resources a partner's user may get tokens for at a customer's authority (SPEC E3; reference
 * §2.3: GDAP roles are Entra directory roles, and apply where the directory's roles are read).
 * Only Warden's own resources — Graph and the Partner API, whose gates ask `delegatedAccessOf` on
 * every request. An API the customer registered (Entra's "expose an API") knows nothing of GDAP: it
 * would take the token as one of the customer's own users with every scope it defines, so a
 * partner user's chain never reaches one (as Entra keeps GDAP to Microsoft's first-party services).
 */
export function delegatedAdminMayUseResource(resource: { applicationId?: string | undefined }): boolean {
  return resource.applicationId === undefined;
}
