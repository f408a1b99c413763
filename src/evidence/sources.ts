import { fromRow } from '../compliance/figures.ts';
import { getTenant } from '../directory/tenants.ts';
import { computeSecurityScore } from '../security-score/score.ts';
import type { Db } from '../storage/database.ts';
import type { EvidenceSources } from './export.ts';

/** What an export attests: the daily figures as stored (src/compliance/), the score's requirements at `now`. */
export function evidenceSources(db: Db, now: number, baseUrl: string): EvidenceSources {
  return {
    async figuresOn(tenantId, day) {
      const row = await db
        .selectFrom('daily_figures')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('day', '=', day)
        .executeTakeFirst();
      return row ? fromRow(row) : undefined;
    },
    async requirementsOf(tenantId) {
      const tenant = await getTenant(db, tenantId);
      if (tenant?.kind !== 'partner') return undefined;
      return (await computeSecurityScore(db, tenant, now, baseUrl)).requirements;
    },
  };
}
