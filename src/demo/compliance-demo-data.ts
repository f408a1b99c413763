import { randomUUID } from 'node:crypto';
import { recalculateFigures } from '../compliance/daily-job.ts';
import { addDays, dayOf, startOfDay } from '../compliance/days.ts';
import type { Tenant } from '../directory/tenants.ts';
import type { Db } from '../storage/database.ts';
import type { RequestLogTable } from '../storage/schema.ts';

/** How many days of traffic, and of daily figures, the demo has. */
const DEMO_DAYS = 30;
const MINUTE = 60_000;

export interface ComplianceDemoInput {
  /** The partner whose people and tools make the traffic (Contoso). */
  partner: Tenant;
  /** Partners whose figures are computed too (with no traffic of their own: Fabrikam). */
  others: Tenant[];
  users: Record<'jane' | 'sky' | 'sam' | 'hal', { id: string; upn: string }>;
  apps: { cli: string; sam: string; automation: string };
}

/**
 * The security requirements status of the demo (SPEC §11), so that a fresh `npm start` shows
 * trends: 30 UTC days of Contoso's requests before today — Jane and Sky in the dashboard with MFA;
 * Sam in the dashboard without it (sent to step-up) in the first weeks; Jane's SAM tool with MFA
 * and Hal's script without it (refused, 401 mfa_required) less and less often; the automation
 * app-only (left out of B2) — and the daily figures of each of those days for every partner.
 * Written in the demo's transaction, directly, not through the request log's batches.
 */
export async function seedComplianceDemo(db: Db, input: ComplianceDemoInput, now: number): Promise<void> {
  const today = dayOf(now);
  const rows: RequestLogTable[] = [];
  const row = (
    at: number,
    surface: RequestLogTable['surface'],
    operation: string,
    who: { id: string; upn: string } | null,
    appId: string | null,
    mfa: boolean,
    statusCode: number,
    outcome: RequestLogTable['outcome'],
  ) =>
    rows.push({
      tenant_id: input.partner.id,
      id: randomUUID(),
      occurred_at: at,
      surface,
      operation,
      user_id: who?.id ?? null,
      user_principal_name: who?.upn ?? null,
      app_id: appId,
      mfa_compliant: mfa ? 1 : 0,
      outcome,
      status_code: statusCode,
      correlation_id: randomUUID(),
      request_id: surface === 'dashboard' ? null : randomUUID(),
      ip_address: `192.0.2.${10 + (rows.length % 40)}`,
      under_exception: 0,
      customer_tenant_id: null,
      delegated_access: null,
    });
  const { jane, sky, sam, hal } = input.users;
  for (let d = 0; d < DEMO_DAYS; d++) {
    const day = addDays(today, d - DEMO_DAYS);
    const at = (minutes: number) => startOfDay(day) + 8 * 60 * MINUTE + minutes * MINUTE;
    for (let i = 0; i < 4; i++)
      row(at(i * 37), 'dashboard', 'dashboard.customers', jane, null, true, 200, 'success');
    for (let i = 0; i < 2; i++)
      row(at(90 + i * 45), 'dashboard', 'dashboard.gdap', sky, null, true, 200, 'success');
    // Sam's dashboard sessions were never stepped up with MFA until the third week.
    if (d < 20 && d % 3 !== 2)
      for (let i = 0; i < 2; i++)
        row(at(200 + i * 11), 'dashboard', 'dashboard.billing', sam, null, false, 303, 'unauthorized');
    for (let i = 0; i < 6; i++)
      row(at(30 + i * 50), 'api-app-user', 'customers.list', jane, input.apps.sam, true, 200, 'success');
    for (let i = 0; i < 2; i++)
      row(at(300 + i * 20), 'api-app-user', 'subscriptions.list', jane, input.apps.cli, true, 200, 'success');
    // Hal's script used a token without MFA: refused, and fixed bit by bit.
    const halRequests = d < 12 ? 3 : d < 23 ? 1 : 0;
    for (let i = 0; i < halRequests; i++)
      row(at(400 + i * 7), 'api-app-user', 'customers.list', hal, input.apps.sam, false, 401, 'unauthorized');
    for (let i = 0; i < 5; i++)
      row(
        at(15 + i * 90),
        'api-app-only',
        'customers.list',
        null,
        input.apps.automation,
        false,
        200,
        'success',
      );
  }
  // The database adds them to the daily rollups as they are inserted (migration 0023).
  for (let i = 0; i < rows.length; i += 200)
    await db
      .insertInto('request_log')
      .values(rows.slice(i, i + 200))
      .execute();
  for (const tenant of [input.partner, ...input.others])
    for (let d = 0; d < DEMO_DAYS; d++)
      await recalculateFigures(db, tenant, addDays(today, d - DEMO_DAYS), now);
}
