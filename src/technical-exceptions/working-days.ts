/**
 * SPEC §12: the operator answers an exception request "within three working days". Working days
 * are Monday to Friday in UTC; Saturdays and Sundays do not count (Warden keeps no holiday
 * calendar). The due time is the filing time moved forward by three working days: filed on a
 * Friday at 10:00 UTC, due on the Wednesday after at 10:00 UTC; filed on a Saturday, the Sunday
 * is skipped as well, so it is due on the Wednesday at the same time of day.
 */
export const WORKING_DAYS_TO_ANSWER = 3;

const DAY_MS = 86_400_000;

function isWeekend(ms: number): boolean {
  const weekday = new Date(ms).getUTCDay();
  return weekday === 0 || weekday === 6;
}

/** The moment `days` working days after `from` (epoch ms, UTC). */
export function addWorkingDays(from: number, days: number): number {
  let at = from;
  let counted = 0;
  while (counted < days) {
    at += DAY_MS;
    if (!isWeekend(at)) counted += 1;
  }
  return at;
}

/** When the operator's answer to a request filed at `filedAt` is due. */
export function dueDateOf(filedAt: number): number {
  return addWorkingDays(filedAt, WORKING_DAYS_TO_ANSWER);
}
