import { dayOf } from '../compliance/days.ts';
import type { Tenant } from '../directory/tenants.ts';
import type { Db } from '../storage/database.ts';
import { storeSnapshot } from './history.ts';
import { computeSecurityScore } from './score.ts';

/**
 * The daily security score job (reference §4.2 `history`), run on Warden's clock next to the GDAP
 * clock (src/cli/server/serve.ts). Each run looks for the partner tenants without a snapshot for
 * today (UTC) — one query, so a run with nothing due is cheap — computes their scores and stores
 * them; instances racing store each day once (history.ts, the table's primary key). Returns how
 * many snapshots this run stored.
 */
export async function runSecurityScoreClock(db: Db, now: number, baseUrl: string): Promise<number> {
  const day = dayOf(now);
  const due: Tenant[] = await db
    .selectFrom('tenants')
    .selectAll()
    .where('kind', '=', 'partner')
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('security_score_history')
            .select('security_score_history.day')
            .whereRef('security_score_history.tenant_id', '=', 'tenants.id')
            .where('security_score_history.day', '=', day),
        ),
      ),
    )
    .orderBy('id')
    .execute();
  let stored = 0;
  for (const tenant of due) {
    const report = await computeSecurityScore(db, tenant, now, baseUrl);
    const wrote = await storeSnapshot(db, tenant.id, now, {
      score: report.score.currentScore,
      compliantRequirementsCount: report.compliantRequirementsCount,
      totalRequirementsCount: report.requirements.length,
    });
    if (wrote) stored += 1;
  }
  return stored;
}
