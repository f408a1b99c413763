import { fromRow } from '../compliance/figures.ts';
import type { Db } from '../storage/database.ts';
import type { EvidenceSources } from './export.ts';

/** What an export attests: the daily figures as stored (src/compliance/), the score's requirements now. */
export function evidenceSources(db: Db, _now: number): EvidenceSources {
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
    async requirementsOf() {
      return undefined;
    },
  };
}
