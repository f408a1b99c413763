import { randomUUID } from 'node:crypto';
import { canonicalGuid } from '../guid.ts';
import { type Db, inTransaction } from '../storage/database.ts';
import type { TenantTable } from '../storage/schema.ts';
import { PARTNER_AGENT_GROUPS } from './roles.ts';

export type Tenant = TenantTable;
export const PARTNER_PROGRAM_TYPES = [
  'csp-direct',
  'csp-indirect-provider',
  'csp-indirect-reseller',
  'control-panel-vendor',
  'advisor',
] as const;
export type PartnerProgramType = (typeof PARTNER_PROGRAM_TYPES)[number];

export interface NewTenant {
  id?: string;
  kind: Tenant['kind'];
  programType?: PartnerProgramType;
  displayName: string;
  domain: string;
  partnerTenantId?: string;
  securityDefaults?: boolean;
  requireMfaAllUsers?: boolean;
}

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** Whether `value` (lowercase) is a domain name a tenant can verify: what createTenant accepts. */
export function isDomainName(value: string): boolean {
  return DOMAIN.test(value);
}

/**
 * Creates a tenant; a partner tenant gets its three agent groups in the same transaction,
 * and (SPEC §5, issue 2 item 8) starts with security defaults on.
 */
export async function createTenant(db: Db, input: NewTenant, now = Date.now()): Promise<Tenant> {
  const domain = input.domain.toLowerCase();
  if (!DOMAIN.test(domain)) throw new Error(`not a domain name: ${input.domain}`);
  if (input.kind === 'partner' && !input.programType)
    throw new Error('a partner tenant needs a program type');
  const tenant: Tenant = {
    id: input.id ?? randomUUID(),
    kind: input.kind,
    program_type: input.kind === 'partner' ? (input.programType ?? null) : null,
    display_name: input.displayName,
    domain,
    partner_tenant_id: input.partnerTenantId ?? null,
    security_defaults: (input.securityDefaults ?? input.kind === 'partner') ? 1 : 0,
    security_defaults_enabled_at: (input.securityDefaults ?? input.kind === 'partner') ? now : null,
    require_mfa_all_users: input.requireMfaAllUsers ? 1 : 0,
    created_at: now,
  };
  await inTransaction(db, async (trx) => {
    await trx.insertInto('tenants').values(tenant).execute();
    if (tenant.kind === 'partner') {
      await trx
        .insertInto('groups')
        .values(
          PARTNER_AGENT_GROUPS.map((name) => ({
            tenant_id: tenant.id,
            id: randomUUID(),
            display_name: name,
            created_at: now,
          })),
        )
        .execute();
    }
  });
  return tenant;
}

/** Resolves `{tenant}` in an authority path: the tenant id or its verified domain. */
export async function findTenant(db: Db, idOrDomain: string): Promise<Tenant | undefined> {
  const query = db.selectFrom('tenants').selectAll();
  const id = canonicalGuid(idOrDomain);
  if (id) return query.where('id', '=', id).executeTakeFirst();
  if (!DOMAIN.test(idOrDomain.toLowerCase())) return undefined;
  return query.where('domain', '=', idOrDomain.toLowerCase()).executeTakeFirst();
}

export async function getTenant(db: Db, id: string): Promise<Tenant | undefined> {
  return db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Turns security defaults on or off. Turning them on restarts every user's 14-day registration
 * window (SPEC §5, seed 001): it begins at their next interactive sign-in, so a user who signed in
 * before gets the same grace as a new one. One transaction; only a real off → on change restarts it.
 */
export async function setSecurityDefaults(
  db: Db,
  tenantId: string,
  enabled: boolean,
  now: number,
): Promise<void> {
  await inTransaction(db, async (trx) => {
    const changed = await trx
      .updateTable('tenants')
      .set({ security_defaults: enabled ? 1 : 0, security_defaults_enabled_at: enabled ? now : null })
      .where('id', '=', tenantId)
      .where('security_defaults', '=', enabled ? 0 : 1)
      .executeTakeFirst();
    if (enabled && Number(changed.numUpdatedRows) > 0) {
      await trx
        .updateTable('users')
        .set({ registration_window_started_at: null })
        .where('tenant_id', '=', tenantId)
        .execute();
    }
  });
}

export async function setRequireMfaForAllUsers(db: Db, tenantId: string, enabled: boolean): Promise<void> {
  await db
    .updateTable('tenants')
    .set({ require_mfa_all_users: enabled ? 1 : 0 })
    .where('id', '=', tenantId)
    .execute();
}
