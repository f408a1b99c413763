import { durationMs } from '../../delegated-admin/relationship-rules.ts';
import type { Relationship } from '../../delegated-admin/relationships.ts';

/**
 * When a GDAP relationship ends, as the partner dashboard shows and filters it (issue 10 item 4;
 * reference §1.9: Partner Center warns 30, 7 and 1 day before the end). Pure, on the instant it
 * is given (Warden's clock), so tests move time instead of waiting.
 */

const DAY_MS = 24 * 3600 * 1000;
const YEAR_MS = 365 * DAY_MS;

/** The warning windows, narrowest first: a relationship is in the narrowest that holds its end. */
export const EXPIRY_WINDOWS = [1, 7, 30] as const;
export type ExpiryWindow = (typeof EXPIRY_WINDOWS)[number];

/**
 * The narrowest window an active relationship's end falls in, or undefined. One that auto-extends
 * (P180D) does not expire at its end — its end moves on — so it is not "expiring" (§1.3).
 */
export function expiryWindow(relationship: Relationship, now: number): ExpiryWindow | undefined {
  if (relationship.status !== 'active' && relationship.status !== 'expiring') return undefined;
  if (relationship.endsAt === null) return undefined;
  if (relationship.status === 'active' && (durationMs(relationship.autoExtendDuration) ?? 0) > 0)
    return undefined;
  const left = relationship.endsAt - now;
  return EXPIRY_WINDOWS.find((days) => left <= days * DAY_MS);
}

/** The filters of the GDAP overview (Partner Center's: expiring within, expired, pending, all). */
export const GDAP_FILTERS = {
  all: 'All relationships',
  expiring30: 'Expiring within 30 days',
  expiring7: 'Expiring within 7 days',
  expiring1: 'Expiring within 1 day',
  expired: 'Expired within the last year',
  pending: 'Pending approval',
} as const;
export type GdapFilter = keyof typeof GDAP_FILTERS;

export function gdapFilter(value: unknown): GdapFilter {
  return typeof value === 'string' && Object.hasOwn(GDAP_FILTERS, value) ? (value as GdapFilter) : 'all';
}

export function matchesFilter(relationship: Relationship, filter: GdapFilter, now: number): boolean {
  switch (filter) {
    case 'all':
      return true;
    case 'pending':
      return relationship.status === 'approvalPending';
    case 'expired':
      return (
        relationship.status === 'expired' &&
        relationship.endedAt !== null &&
        relationship.endedAt >= now - YEAR_MS
      );
    default: {
      const window = expiryWindow(relationship, now);
      const within = Number(filter.slice('expiring'.length));
      return window !== undefined && window <= within;
    }
  }
}
