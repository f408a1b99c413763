import type { Db } from '../storage/database.ts';
import type { NewFraudEvent } from './fraud-events.ts';

const DAY_MS = 24 * 3_600_000;
/** SPEC §13 "suspicious usage": seats ordered in the last 24 h at least this many times the daily mean… */
export const ORDER_SURGE_FACTOR = 5;
/** …of the 30 days before, and at least this many seats (a small customer's first order is no surge). */
export const ORDER_SURGE_FLOOR = 100;
const HISTORY_DAYS = 30;

interface Line {
  quantity: number;
  subscriptionId: string;
}

/**
 * The order-volume rule of the detector (docs/security-alerts.md "Detector rules"): for each
 * customer of the partner, the seats ordered in the 24 hours before `now` against the daily mean
 * of the 30 days before those. A surge raises one event per customer per UTC day (the detection
 * key), on the subscription of the window's largest order line.
 */
export async function orderSurges(db: Db, partnerTenantId: string, now: number): Promise<NewFraudEvent[]> {
  const since = now - DAY_MS;
  const historySince = since - HISTORY_DAYS * DAY_MS;
  const orders = await db
    .selectFrom('orders as o')
    .innerJoin('customers as c', (j) =>
      j.onRef('c.id', '=', 'o.customer_id').onRef('c.tenant_id', '=', 'o.tenant_id'),
    )
    .select(['o.customer_id', 'o.line_items', 'o.created_at', 'c.customer_tenant_id', 'c.company_name'])
    .where('o.tenant_id', '=', partnerTenantId)
    .where('o.created_at', '>', historySince)
    .where('o.created_at', '<=', now)
    .execute();
  const byCustomer = new Map<string, typeof orders>();
  for (const o of orders) byCustomer.set(o.customer_id, [...(byCustomer.get(o.customer_id) ?? []), o]);
  const found: NewFraudEvent[] = [];
  for (const [customerId, rows] of byCustomer) {
    let recent = 0;
    let history = 0;
    let largest: Line | undefined;
    const recentTimes: number[] = [];
    for (const o of rows) {
      const lines = JSON.parse(o.line_items) as Line[];
      const seats = lines.reduce((n, l) => n + l.quantity, 0);
      if (Number(o.created_at) > since) {
        recent += seats;
        recentTimes.push(Number(o.created_at));
        for (const l of lines) if (!largest || l.quantity > largest.quantity) largest = l;
      } else {
        history += seats;
      }
    }
    const dailyMean = history / HISTORY_DAYS;
    if (!largest || recent < ORDER_SURGE_FLOOR || recent < ORDER_SURGE_FACTOR * dailyMean) continue;
    const first = rows[0]!;
    found.push({
      partnerTenantId,
      customerTenantId: first.customer_tenant_id,
      subscriptionId: largest.subscriptionId,
      eventType: 'UsageAnomalyDetection',
      severity: 'High',
      confidenceLevel: dailyMean === 0 ? 'Medium' : 'High',
      displayName: 'Order volume far above the customer’s history',
      description: `${recent} seats were ordered for ${first.company_name} in the last 24 hours, against a daily mean of ${dailyMean.toFixed(1)} over the 30 days before.`,
      entityName: first.company_name,
      serviceName: 'Commerce',
      resourceName: largest.subscriptionId,
      hitCount: recentTimes.length,
      firstObservedAt: Math.min(...recentTimes),
      lastObservedAt: Math.max(...recentTimes),
      additionalDetails: {
        seatsOrderedLast24h: String(recent),
        dailyMeanPrevious30Days: dailyMean.toFixed(2),
        ordersLast24h: String(recentTimes.length),
      },
      source: 'detector',
      detectionKey: `orders:${customerId}:${Math.floor(now / DAY_MS)}`,
      raisedBy: 'Warden detector',
    });
  }
  return found;
}
