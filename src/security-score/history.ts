import { randomUUID } from 'node:crypto';
import { dayOf } from '../compliance/days.ts';
import type { Db } from '../storage/database.ts';
import { graphDateTime } from './requirements.ts';

/** Reference §4.2 `securityScoreHistory`: one snapshot of the score per UTC day. */
export interface ScoreSnapshot {
  id: string;
  day: string;
  createdAt: number;
  score: number;
  compliantRequirementsCount: number;
  totalRequirementsCount: number;
}

export const HISTORY_DAYS = 30;

function toSnapshot(row: {
  id: string;
  day: string;
  created_at: number;
  score: number;
  compliant_requirements_count: number;
  total_requirements_count: number;
}): ScoreSnapshot {
  return {
    id: row.id,
    day: row.day,
    createdAt: Number(row.created_at),
    score: Number(row.score),
    compliantRequirementsCount: Number(row.compliant_requirements_count),
    totalRequirementsCount: Number(row.total_requirements_count),
  };
}

/** The tenant's snapshots, oldest first, at most the last `days` of them. */
export async function scoreHistory(db: Db, tenantId: string, days = HISTORY_DAYS): Promise<ScoreSnapshot[]> {
  const rows = await db
    .selectFrom('security_score_history')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .orderBy('day', 'desc')
    .limit(days)
    .execute();
  return rows.map(toSnapshot).reverse();
}

export async function latestSnapshot(db: Db, tenantId: string): Promise<ScoreSnapshot | undefined> {
  return (await scoreHistory(db, tenantId, 1))[0];
}

/** The snapshots since `fromDay` (inclusive) of each of these tenants, oldest first (the program page). */
export async function snapshotsSince(
  db: Db,
  tenantIds: readonly string[],
  fromDay: string,
): Promise<Map<string, ScoreSnapshot[]>> {
  const out = new Map<string, ScoreSnapshot[]>();
  if (tenantIds.length === 0) return out;
  const rows = await db
    .selectFrom('security_score_history')
    .selectAll()
    .where('tenant_id', 'in', [...tenantIds])
    .where('day', '>=', fromDay)
    .orderBy('day')
    .execute();
  for (const row of rows) {
    const list = out.get(row.tenant_id) ?? [];
    list.push(toSnapshot(row));
    out.set(row.tenant_id, list);
  }
  return out;
}

/** Graph's `securityScoreHistory` entity. */
export function historyEntity(s: ScoreSnapshot) {
  return {
    id: s.id,
    createdDateTime: graphDateTime(s.createdAt),
    score: s.score,
    compliantRequirementsCount: s.compliantRequirementsCount,
    totalRequirementsCount: s.totalRequirementsCount,
  };
}

/**
 * Stores the day's snapshot unless one is already there: the primary key (tenant, day) settles a
 * race between instances (insert … on conflict do nothing), so each day keeps the first one taken.
 * Returns whether this call stored it.
 */
export async function storeSnapshot(
  db: Db,
  tenantId: string,
  now: number,
  snapshot: { score: number; compliantRequirementsCount: number; totalRequirementsCount: number },
): Promise<boolean> {
  const result = await db
    .insertInto('security_score_history')
    .values({
      tenant_id: tenantId,
      day: dayOf(now),
      id: randomUUID(),
      created_at: now,
      score: snapshot.score,
      compliant_requirements_count: snapshot.compliantRequirementsCount,
      total_requirements_count: snapshot.totalRequirementsCount,
    })
    .onConflict((oc) => oc.columns(['tenant_id', 'day']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}
