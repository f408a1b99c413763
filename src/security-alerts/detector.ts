import type { GeoIpTable } from '../sign-in-logs/location.ts';
import type { Db } from '../storage/database.ts';
import { raiseFraudEvent } from './fraud-events.ts';
import { orderSurges } from './order-volume-rule.ts';
import { signInAnomalies } from './sign-in-rule.ts';
import type { JobLog } from './webhook-deliveries.ts';

export interface DetectorOptions {
  /** Where a partner the run could not finish is reported (ctx.log). */
  log?: JobLog;
  /** The store findings are raised into (fraud-events.ts; tests wrap it). */
  raise?: typeof raiseFraudEvent;
}

/**
 * The detector over Warden's own data (SPEC §13, issue 14 item 5), run on Warden's clock
 * (`warden serve` every 5 minutes): for each partner, the order-volume rule and, when the operator
 * configured a GeoIP table, the sign-in rules. Every finding carries a detection key unique per
 * partner, so a rerun, or instances running at once, raise each event once. A partner whose rules
 * or events fail is logged and skipped: the others are still checked (the next run retries it).
 * Returns how many events this run raised.
 */
export async function runDetector(
  db: Db,
  baseUrl: string,
  geo: GeoIpTable | undefined,
  now: number,
  options: DetectorOptions = {},
): Promise<number> {
  const raise = options.raise ?? raiseFraudEvent;
  const partners = await db
    .selectFrom('tenants')
    .select('id')
    .where('kind', '=', 'partner')
    .orderBy('id')
    .execute();
  let raised = 0;
  for (const { id } of partners) {
    try {
      const findings = [
        ...(await orderSurges(db, id, now)),
        ...(geo ? await signInAnomalies(db, geo, id, now) : []),
      ];
      for (const finding of findings) {
        const { created } = await raise(db, baseUrl, finding, now);
        if (created) raised += 1;
      }
    } catch (error) {
      options.log?.error(
        { partnerTenantId: id, error: (error as Error).name },
        'fraud detector: this partner was skipped',
      );
    }
  }
  return raised;
}
