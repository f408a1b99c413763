import { type AuditActor, recordAuditEvent } from '../audit/audit-events.ts';
import { Refusal } from '../errors/catalogued-error.ts';
import { type Customer, getCustomer, listCustomers } from '../partner-center/customers.ts';
import { type Db, inTransaction } from '../storage/database.ts';
import { DAP_TRANSITION_ROLE_IDS } from './gdap-roles.ts';
import { MAX_DISPLAY_NAME } from './relationship-rules.ts';
import {
  AUDIT_CATEGORY,
  createRelationship,
  DelegatedAdminError,
  type Relationship,
  requestAction,
} from './relationships.ts';

/**
 * DAP, retired the way Microsoft retired it (SPEC §13; reference partner-center-gdap-sam.md
 * §1.10–1.11): the partner sees which customers still grant it DAP and whether a partner agent
 * still uses it, and removes it. DAP is never granted again here: a new customer gets none
 * (`createCustomer`), and nothing in Warden turns `delegated_admin` back to `'dap'`. "Move to
 * GDAP" proposes the least-privileged relationship that covers what DAP gave, for the customer to
 * approve.
 */

const DAY_MS = 24 * 3600 * 1000;

/** §1.11: Microsoft recommends removing DAP unused for more than 60 days; its dashboard, past 90. */
export const DAP_REMOVAL_RECOMMENDED_DAYS = 60;
/** §1.11: "inactive" is no partner-agent sign-in in more than 90 days. */
export const DAP_INACTIVE_DAYS = 90;

/** The report's flag: used within 60 days, unused for more than 60, or for more than 90. */
export type DapActivity = 'active' | 'inactiveOver60Days' | 'inactiveOver90Days';

export interface DapCustomer {
  customerId: string;
  customerTenantId: string;
  companyName: string;
  domain: string;
  /**
   * When DAP started. Warden grants DAP only when a customer is linked, so it is the customer
   * row's `created_at` (Microsoft's `startDateTime`).
   */
  dapSince: number;
  daysEnabled: number;
  /** The last successful sign-in of a partner user into the customer's tenant, or null: never used. */
  lastUsedAt: number | null;
  /** Whole days since `lastUsedAt`, or since DAP started when it was never used (§1.11). */
  daysInactive: number;
  activity: DapActivity;
}

function wholeDays(ms: number): number {
  return Math.max(0, Math.floor(ms / DAY_MS));
}

export function dapActivity(daysInactive: number): DapActivity {
  if (daysInactive > DAP_INACTIVE_DAYS) return 'inactiveOver90Days';
  if (daysInactive > DAP_REMOVAL_RECOMMENDED_DAYS) return 'inactiveOver60Days';
  return 'active';
}

/**
 * When a partner user last used delegated admin in each of these customer tenants. §1.11 counts
 * every partner-agent cross-tenant sign-in, API token exchanges included: a successful `sign_ins`
 * row in the customer's tenant whose home tenant is the partner (the AOBO sign-ins), and a
 * successful Partner API or Graph request a partner user made in the customer's tenant
 * (`request_log.customer_tenant_id`).
 */
async function lastPartnerSignIns(
  db: Db,
  partnerTenantId: string,
  customerTenantIds: string[],
): Promise<Map<string, number>> {
  if (customerTenantIds.length === 0) return new Map();
  const [signIns, calls] = await Promise.all([
    db
      .selectFrom('sign_ins')
      .select((eb) => ['tenant_id', eb.fn.max('created_at').as('last')])
      .where('tenant_id', 'in', customerTenantIds)
      .where('home_tenant_id', '=', partnerTenantId)
      .where('error_code', '=', 0)
      .groupBy('tenant_id')
      .execute(),
    db
      .selectFrom('request_log')
      .select((eb) => ['customer_tenant_id', eb.fn.max('occurred_at').as('last')])
      .where('tenant_id', '=', partnerTenantId)
      .where('customer_tenant_id', 'in', customerTenantIds)
      .where('outcome', '=', 'success')
      .groupBy('customer_tenant_id')
      .execute(),
  ]);
  const last = new Map<string, number>();
  for (const [tenant, at] of [
    ...signIns.map((r) => [r.tenant_id, Number(r.last)] as const),
    ...calls.map((r) => [r.customer_tenant_id ?? '', Number(r.last)] as const),
  ])
    if (tenant && at > (last.get(tenant) ?? 0)) last.set(tenant, at);
  return last;
}

/** Every customer of the partner that still grants it DAP, with its use and flag, by company name. */
export async function dapReport(db: Db, partnerTenantId: string, now: number): Promise<DapCustomer[]> {
  const customers = (await listCustomers(db, partnerTenantId, { limit: 10_000 })).filter(
    (c) => c.delegatedAdmin === 'dap',
  );
  const last = await lastPartnerSignIns(
    db,
    partnerTenantId,
    customers.map((c) => c.customerTenantId),
  );
  return customers.map((c) => {
    const lastUsedAt = last.get(c.customerTenantId) ?? null;
    const daysInactive = wholeDays(now - (lastUsedAt ?? c.createdAt));
    return {
      customerId: c.id,
      customerTenantId: c.customerTenantId,
      companyName: c.companyName,
      domain: c.domain,
      dapSince: c.createdAt,
      daysEnabled: wholeDays(now - c.createdAt),
      lastUsedAt,
      daysInactive,
      activity: dapActivity(daysInactive),
    };
  });
}

/** Why one customer of a removal was left as it was. */
export type DapNotRemovedReason = 'not_found' | 'no_dap';

export interface DapRemoval {
  removed: Customer[];
  notRemoved: { customerId: string; reason: DapNotRemovedReason }[];
}

/** Partner Center removes DAP for "several customers at once" (§1.11); one call takes at most this many. */
export const MAX_DAP_REMOVALS = 100;

export class DapError extends Refusal<'too_many'> {}

export const DAP_REMOVED_ACTIVITY = 'Delegated admin privileges removed';

/**
 * Removes DAP for one or many of the partner's customers, in one transaction: each by a
 * conditional UPDATE (`'dap'` → `'none'`), so two concurrent removals change a customer once and
 * log it once. A customer that has no DAP (any more) or is not the partner's is reported in
 * `notRemoved` and does not undo the others: the partner asked for a state, and for those
 * customers it already holds or cannot apply. Each removal is an audit event in the partner's
 * and the customer's log.
 */
export async function removeDap(
  db: Db,
  partnerTenantId: string,
  customerIds: readonly string[],
  by: AuditActor,
  now: number,
): Promise<DapRemoval> {
  const ids = [...new Set(customerIds.map((id) => id.toLowerCase()))];
  if (ids.length > MAX_DAP_REMOVALS)
    throw new DapError('too_many', `Remove DAP for at most ${MAX_DAP_REMOVALS} customers at once.`);
  return inTransaction(db, async (trx) => {
    const result: DapRemoval = { removed: [], notRemoved: [] };
    for (const id of ids) {
      const updated = await trx
        .updateTable('customers')
        .set({ delegated_admin: 'none', dap_removed_at: now })
        .where('tenant_id', '=', partnerTenantId)
        .where('id', '=', id)
        .where('delegated_admin', '=', 'dap')
        .executeTakeFirst();
      const customer = await getCustomer(trx, partnerTenantId, id);
      if (!customer) {
        result.notRemoved.push({ customerId: id, reason: 'not_found' });
        continue;
      }
      if (Number(updated.numUpdatedRows) !== 1) {
        result.notRemoved.push({ customerId: id, reason: 'no_dap' });
        continue;
      }
      await recordAuditEvent(
        trx,
        [partnerTenantId, customer.customerTenantId],
        {
          category: AUDIT_CATEGORY,
          activity: DAP_REMOVED_ACTIVITY,
          actor: by,
          target: { type: 'customer', id: customer.id, name: customer.companyName },
          details: { delegatedAdmin: { from: 'dap', to: 'none' } },
        },
        now,
      );
      result.removed.push(customer);
    }
    return result;
  });
}

/** §1.8: where the customer's Global Administrator reviews and approves a relationship. */
export function gdapApprovalUrl(baseUrl: string, relationshipId: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/admin/partners/invitation/granularAdminRelationships/${relationshipId}`;
}

/**
 * The terms "move to GDAP" asks for. §1.10: the nine roles of Microsoft's DAP → GDAP transition,
 * which cover what partners used DAP's Global Administrator for, without Global Administrator.
 * P730D is the longest duration Graph allows (DAP had no end); without Global Administrator the
 * relationship may extend itself by 180 days, so access the customer approved does not lapse
 * unnoticed the way DAP never did, while the customer can still terminate it at any time.
 */
export const DAP_TO_GDAP_TERMS = {
  duration: 'P730D',
  autoExtendDuration: 'P180D',
  roleTemplateIds: DAP_TRANSITION_ROLE_IDS,
} as const;

/** "DAP to GDAP: <company>", cut to 50 characters, with " (2)", " (3)"… when taken (unique per partner). */
function proposalName(companyName: string, taken: ReadonlySet<string>): string {
  const base = `DAP to GDAP: ${companyName}`;
  for (let n = 1; ; n++) {
    const suffix = n === 1 ? '' : ` (${n})`;
    const name = `${base.slice(0, MAX_DISPLAY_NAME - suffix.length).trimEnd()}${suffix}`;
    if (!taken.has(name)) return name;
  }
}

/**
 * "Move to GDAP" for one customer: creates a relationship naming it with `DAP_TO_GDAP_TERMS` and
 * locks it for approval in one transaction, so it waits for the customer's Global Administrator
 * (`approvalPending`); returns it with its approval link. DAP stays as it is: Microsoft's order is
 * GDAP first (approved, groups assigned), then remove DAP (§1.10: "create … GDAP …, assign roles,
 * then remove DAP"), so the partner removes it once the relationship is active. A name taken by a
 * concurrent proposal fails with `conflict` (the unique index decides) and changes nothing.
 */
export async function proposeGdapFromDap(
  db: Db,
  partnerTenantId: string,
  customerId: string,
  by: AuditActor,
  now: number,
  baseUrl: string,
): Promise<{ relationship: Relationship; approvalUrl: string }> {
  const customer = await getCustomer(db, partnerTenantId, customerId.toLowerCase());
  if (!customer) throw new DelegatedAdminError('not_found', `No customer ${customerId}.`);
  const names = await db
    .selectFrom('delegated_admin_relationships')
    .select('display_name')
    .where('partner_tenant_id', '=', partnerTenantId)
    .where('display_name', 'like', 'DAP to GDAP%')
    .execute();
  const displayName = proposalName(customer.companyName, new Set(names.map((r) => r.display_name)));
  const relationship = await inTransaction(db, async (trx) => {
    const created = await createRelationship(
      trx,
      partnerTenantId,
      { ...DAP_TO_GDAP_TERMS, displayName, customerTenantId: customer.customerTenantId },
      now,
      by,
    );
    const locked = await requestAction(
      trx,
      partnerTenantId,
      created.id,
      'lockForApproval',
      { ifVersion: created.version, by },
      now,
    );
    return locked.relationship;
  });
  return { relationship, approvalUrl: gdapApprovalUrl(baseUrl, relationship.id) };
}
