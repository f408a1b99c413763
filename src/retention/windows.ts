import type { Db } from '../storage/database.ts';

/**
 * How long Warden keeps what it logs (issue 16 item 4, docs/retention.md). A tenant's logs —
 * sign-ins, service-principal sign-ins, audit events, request log — are kept for its window: 30
 * days unless it has one of its own (Entra keeps sign-in and audit logs 30 days with P1/P2;
 * reference entra-identity §8.1 says only "retention per data-retention policy"). The compliance
 * rollups (SPEC §11: a year of daily figures and the month before it) keep 13 months, whatever the
 * tenant's window: the report is read from them, never from the raw rows.
 */
export const DEFAULT_LOG_RETENTION_DAYS = 30;
export const MIN_LOG_RETENTION_DAYS = 1;
/** Two years: Entra's longest through Azure Monitor; a bound so a typo cannot keep logs forever. */
export const MAX_LOG_RETENTION_DAYS = 730;
export const ROLLUP_RETENTION_MONTHS = 13;

export const DAY_MS = 86_400_000;

/**
 * The evidence of a partner's delegated use of a customer — a partner user's sign-in at the
 * customer's authority, a partner request into the customer — is kept at least this long,
 * whatever the tenants' windows: the DAP inactivity report (src/delegated-admin/dap.ts, reference
 * §1.11: 90 days unused) reads a partner's last use from these rows, and a 30-day window would
 * show DAP used 35 days ago as never used, inviting the removal of access still in use.
 */
export const DELEGATED_EVIDENCE_DAYS = 91;

export class RetentionOutOfRange extends RangeError {
  readonly code = 'retention_out_of_range';
}

/** Sets the tenant's own window (days), or back to the default with `null`. */
export async function setLogRetention(
  db: Db,
  tenantId: string,
  days: number | null,
  now: number,
): Promise<void> {
  if (days === null) {
    await db.deleteFrom('log_retention_settings').where('tenant_id', '=', tenantId).execute();
    return;
  }
  if (!Number.isInteger(days) || days < MIN_LOG_RETENTION_DAYS || days > MAX_LOG_RETENTION_DAYS)
    throw new RetentionOutOfRange(
      `a log retention is ${MIN_LOG_RETENTION_DAYS}–${MAX_LOG_RETENTION_DAYS} whole days, not ${days}`,
    );
  await db
    .insertInto('log_retention_settings')
    .values({ tenant_id: tenantId, days, updated_at: now })
    .onConflict((oc) => oc.column('tenant_id').doUpdateSet({ days, updated_at: now }))
    .execute();
}

/** The tenant's window in days (its own, else the default). */
export async function logRetentionOf(db: Db, tenantId: string): Promise<number> {
  const row = await db
    .selectFrom('log_retention_settings')
    .select('days')
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst();
  return row?.days ?? DEFAULT_LOG_RETENTION_DAYS;
}

/** The longest window any tenant has: a whole month older than it is past everyone's. */
export async function longestLogRetention(db: Db): Promise<number> {
  const row = await db
    .selectFrom('log_retention_settings')
    .select((eb) => eb.fn.max('days').as('days'))
    .executeTakeFirst();
  return Math.max(DEFAULT_LOG_RETENTION_DAYS, Number(row?.days ?? 0));
}

/** The first UTC day (`YYYY-MM-DD`) the rollups still keep at `now`: 13 months before today. */
export function firstRollupDay(now: number): string {
  const d = new Date(now);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth() - ROLLUP_RETENTION_MONTHS;
  // 31 March less 13 months is the last of February, not 3 March.
  const lastOfMonth = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return new Date(Date.UTC(year, month, Math.min(d.getUTCDate(), lastOfMonth))).toISOString().slice(0, 10);
}
