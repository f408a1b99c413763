import type { Db } from '../storage/database.ts';
import { alertResponse } from './response-times.ts';

const WEEK_MS = 7 * 24 * 3_600_000;

export interface AlertTiles {
  newThisWeek: number;
  resolvedThisWeek: number;
  /** Active or Investigating now. */
  open: number;
  /** The 30-day mean time to resolve (reference §5.3 "Average time"), hours; null when none resolved. */
  meanResolutionHours: number | null;
}

/** The alerts dashboard's tiles (reference §5.3): new this week, resolved, active/in progress, average time. */
export async function alertTiles(db: Db, partnerTenantId: string, now: number): Promise<AlertTiles> {
  const rows = await db
    .selectFrom('fraud_events')
    .select(['status', 'detected_at', 'resolved_at'])
    .where('partner_tenant_id', '=', partnerTenantId)
    .where((eb) =>
      eb.or([
        eb('status', '!=', 'Resolved'),
        eb('detected_at', '>', now - WEEK_MS),
        eb('resolved_at', '>', now - WEEK_MS),
      ]),
    )
    .execute();
  const since = now - WEEK_MS;
  return {
    newThisWeek: rows.filter((r) => Number(r.detected_at) > since).length,
    resolvedThisWeek: rows.filter((r) => r.status === 'Resolved' && Number(r.resolved_at) > since).length,
    open: rows.filter((r) => r.status !== 'Resolved').length,
    meanResolutionHours: (await alertResponse(db, partnerTenantId, now)).meanResolutionHours,
  };
}
