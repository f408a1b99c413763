import type { Db } from '../storage/database.ts';
import { EXCEPTIONS_ACCEPTED } from './program-settings.ts';
import { type EnforcementPoint, parseScope } from './scope.ts';

/**
 * THE chokepoint of SPEC §12's effect: whether the tenant holds an approved technical exception
 * in force at `now` — approved, its end date not reached (Warden's clock), and the program
 * accepting exceptions (program-settings.ts; no setting row means not accepted). With `point`,
 * only an exception whose scope names that enforcement point (E1 dashboard, E2 Partner API).
 * One query. The gates ask it only on their no-MFA path, and only for areas an exception may
 * cover at all (scope.ts `exceptionMayCover`); the delegated-admin sign-in (E3) never asks.
 */
export async function exceptionCovers(
  db: Db,
  tenantId: string,
  now: number,
  point?: EnforcementPoint,
): Promise<boolean> {
  const rows = await db
    .selectFrom('technical_exceptions')
    .select('scope')
    .where('partner_tenant_id', '=', tenantId)
    .where('status', '=', 'approved')
    .where('ends_at', '>', now)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('program_settings')
          .select('key')
          .where('key', '=', EXCEPTIONS_ACCEPTED)
          .where('value', '=', 'true'),
      ),
    )
    .execute();
  return rows.some((r) => {
    const points = parseScope(r.scope);
    return point === undefined ? points.length > 0 : points.includes(point);
  });
}
