import type { GeoIpTable } from '../sign-in-logs/location.ts';
import type { Db } from '../storage/database.ts';
import { raiseFraudEvent } from './fraud-events.ts';
import { orderSurges } from './order-volume-rule.ts';
import { signInAnomalies } from './sign-in-rule.ts';

/**
 * The detector over Warden's own data (SPEC §13, issue 14 item 5), run on Warden's clock
 * (`warden serve` every 5 minutes): for each partner, the order-volume rule and, when the operator
 * configured a GeoIP table, the sign-in rules. Every finding carries a detection key unique per
 * partner, so a rerun, or instances running at once, raise each event once. Returns how many
 * events this run raised.
 */
export async function runDetector(
  db: Db,
  baseUrl: string,
  geo: GeoIpTable | undefined,
  now: number,
): Promise<number> {
  const partners = await db.selectFrom('tenants').select('id').where('kind', '=', 'partner').execute();
  let raised = 0;
  for (const { id } of partners) {
    const findings = [
      ...(await orderSurges(db, id, now)),
      ...(geo ? await signInAnomalies(db, geo, id, now) : []),
    ];
    for (const finding of findings) {
      const { created } = await raiseFraudEvent(db, baseUrl, finding, now);
      if (created) raised += 1;
    }
  }
  return raised;
}
