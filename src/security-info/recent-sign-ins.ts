import { type SqlBool, sql } from 'kysely';
import { type GraphSignIn, querySignIns } from '../sign-in-logs/sign-in-log.ts';
import type { Db } from '../storage/database.ts';

const DAYS_30_MS = 30 * 86_400_000;
const SHOWN = 20;

/** The user's own sign-ins of the last 30 days, newest first (the tenant's log, this user's rows only). */
export async function recentSignIns(
  db: Db,
  tenantId: string,
  userId: string,
  now: number,
): Promise<GraphSignIn[]> {
  const rows = await querySignIns(db, tenantId, {
    conditions: [sql<SqlBool>`s.user_id = ${userId}`, sql<SqlBool>`s.created_at >= ${now - DAYS_30_MS}`],
    limit: SHOWN,
  });
  return rows.map(({ cursor: _, ...signIn }) => signIn);
}
