import { agentGroupsOf } from '../directory/groups.ts';
import type { DirectoryRole, PartnerAgentGroup } from '../directory/roles.ts';
import type { Tenant } from '../directory/tenants.ts';
import { getUser } from '../directory/users.ts';
import type { Db } from '../storage/database.ts';

/** A role that opens Partner Center areas: an agent group of the partner tenant or a directory role (SPEC §1). */
export type PartnerRole = PartnerAgentGroup | DirectoryRole;

const LABELS: Partial<Record<PartnerRole, string>> = {
  AdminAgents: 'Admin agent',
  SalesAgents: 'Sales agent',
  HelpdeskAgents: 'Helpdesk agent',
  'Global Administrator': 'Global admin',
  'Billing Administrator': 'Billing admin',
  'Security Administrator': 'Security admin',
};

export function roleLabel(role: PartnerRole): string {
  return LABELS[role] ?? role;
}

/**
 * Who may do what in Partner Center: the SPEC E1 matrix for dashboard areas and the same rows for
 * the Partner API categories of SPEC E2. The one table every access decision reads.
 */
export const ACCESS = {
  // E1 rows (003, 004).
  customers: ['AdminAgents', 'SalesAgents', 'HelpdeskAgents'],
  'customer-requests': ['AdminAgents', 'HelpdeskAgents'],
  billing: ['AdminAgents', 'Global Administrator', 'Billing Administrator'],
  security: ['AdminAgents', 'Security Administrator'],
  // SPEC §13: GDAP relationships and DAP are the Admin agents' (Partner Center: "Admin agent" role).
  gdap: ['AdminAgents'],
  // E2 categories without a dashboard row of their own: discovery and transactions are sales work;
  // user management in a customer tenant is delegated administration (agents who administer customers).
  discovery: ['AdminAgents', 'SalesAgents'],
  transactions: ['AdminAgents', 'SalesAgents'],
  'user-management': ['AdminAgents', 'HelpdeskAgents'],
  // Reference §3.3: consenting an application into a customer needs AdminAgents (as Partner
  // Center's APIs do) on top of the GDAP roles in that customer.
  'application-consent': ['AdminAgents'],
  // SPEC §11 (reference §4.2): the security requirements status and score.
  'security-requirements': ['AdminAgents', 'Security Administrator', 'Global Administrator'],
  // SPEC §13 (reference §5.3): security alerts and fraud events are the Admin agents'.
  'security-alerts': ['AdminAgents'],
  // SPEC §12: "MFA - Request for exception" is filed by a Global admin or an Admin agent.
  'technical-exceptions': ['AdminAgents', 'Global Administrator'],
  // The operator's administration of the partner program (the operator tenant's own admins):
  // program-wide status, raising fraud events, reviewing exceptions, program settings.
  program: ['Global Administrator', 'Security Administrator'],
} as const satisfies Record<string, readonly PartnerRole[]>;
export type AccessArea = keyof typeof ACCESS;

export function mayAccess(roles: ReadonlySet<PartnerRole>, area: AccessArea): boolean {
  return ACCESS[area].some((r) => roles.has(r));
}

/**
 * The areas of one kind of tenant only, whatever roles its users hold: a role of ACCESS names what
 * a user may do in its own tenant, and a partner's Global admin holds the very roles the operator's
 * own admins do. The operator's program (SPEC §11 program status, §12 exception review, §13 fraud
 * events) is the operator tenant's; the security requirements (SPEC §11) and the technical
 * exceptions filed (SPEC §12) are measured and kept for partner tenants. An area not named here is
 * open to every tenant a surface admits (the dashboard: partner and operator tenants).
 */
export const AREA_TENANT_KIND: Partial<Record<AccessArea, 'operator' | 'partner'>> = {
  program: 'operator',
  'security-requirements': 'partner',
  'technical-exceptions': 'partner',
};

/** Whether users of a tenant of `kind` may enter `area` at all (AREA_TENANT_KIND; roles come after). */
export function tenantMayEnter(kind: Tenant['kind'], area: AccessArea): boolean {
  const only = AREA_TENANT_KIND[area];
  return only === undefined || only === kind;
}

/** The user's Partner Center roles: membership of the tenant's agent groups plus directory roles. */
export async function partnerRolesOf(db: Db, tenantId: string, userId: string): Promise<Set<PartnerRole>> {
  const [user, groups] = await Promise.all([
    getUser(db, tenantId, userId),
    agentGroupsOf(db, tenantId, userId),
  ]);
  if (!user?.accountEnabled) return new Set();
  return new Set<PartnerRole>([...groups, ...user.directoryRoles]);
}

/**
 * Roles for a busy API: each (tenant, user) is read at most every `ttlMs`. A role or group change
 * reaches the Partner API within that time on every instance (access tokens themselves live an
 * hour); the dashboard reads roles afresh on every page.
 */
export class RoleCache {
  readonly #db: Db;
  readonly #ttlMs: number;
  readonly #entries = new Map<string, { roles: Set<PartnerRole>; until: number }>();

  constructor(db: Db, ttlMs = 10_000) {
    this.#db = db;
    this.#ttlMs = ttlMs;
  }

  async rolesOf(tenantId: string, userId: string, now: number): Promise<Set<PartnerRole>> {
    const key = `${tenantId}/${userId}`;
    const hit = this.#entries.get(key);
    if (hit && hit.until > now) return hit.roles;
    const roles = await partnerRolesOf(this.#db, tenantId, userId);
    if (this.#entries.size >= 10_000) this.#entries.clear();
    this.#entries.set(key, { roles, until: now + this.#ttlMs });
    return roles;
  }
}
