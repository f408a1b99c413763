/**
 * The days of the security requirements status (SPEC §11) are UTC calendar days, `YYYY-MM-DD`:
 * a request at 23:59:59.999 UTC counts on its day, one at 00:00:00.000 on the next, whatever the
 * partner's time zone (docs/compliance.md).
 */

export const DAY_MS = 86_400_000;

/** The figures of a day cover it and the 6 days before it (reference §4.1: "the previous 7 days"). */
export const WINDOW_DAYS = 7;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The UTC day of an instant (epoch ms). */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Midnight UTC at the start of a day, epoch ms. */
export function startOfDay(day: string): number {
  return Date.parse(`${day}T00:00:00.000Z`);
}

/** The day `n` days after `day` (before it when negative). */
export function addDays(day: string, n: number): string {
  return dayOf(startOfDay(day) + n * DAY_MS);
}

/** Whether `value` is a real calendar day written `YYYY-MM-DD` (not 2026-02-30). */
export function isDay(value: string): boolean {
  return DAY.test(value) && !Number.isNaN(startOfDay(value)) && dayOf(startOfDay(value)) === value;
}

/** The last complete UTC day at `now`: yesterday. */
export function lastCompleteDay(now: number): string {
  return addDays(dayOf(now), -1);
}
