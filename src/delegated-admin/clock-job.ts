import type { Db } from '../storage/database.ts';
import { provisionPendingAssignments } from './access-assignments.ts';
import { runDueEvents } from './relationships.ts';

/**
 * The GDAP clock (SPEC §13): what Warden does for relationships on its own, at `now` (Warden's
 * clock): unanswered requests expire after 90 days, relationships expire or auto-extend at their
 * end, ended ones are purged after a year, and assignments a crash left `pending` are provisioned.
 * `warden serve` runs it every 30 seconds, so an expiry takes effect within that; every step is a
 * conditional write, so several instances running it at once change each relationship once.
 */
export async function runGdapClock(
  db: Db,
  now: number,
): Promise<{ relationships: number; assignments: number }> {
  const relationships = await runDueEvents(db, now);
  const assignments = await provisionPendingAssignments(db, now);
  return { relationships, assignments };
}
