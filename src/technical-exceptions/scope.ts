import type { AccessArea } from '../partner-center/access.ts';

/**
 * SPEC §12: an approved exception suppresses the MFA check at E1 (dashboard) and E2 (Partner API)
 * only, and never E3. Beyond the delegated-admin sign-in itself (which never consults exceptions:
 * policy/sign-in-requirement.ts), these areas stay MFA-only under an exception too:
 * - `gdap`: GDAP relationships and DAP are delegated administration, for which newer policy
 *   (002, 004) accepts no exception at all; the dashboard's GDAP/DAP pages and the Partner API's
 *   `delegated-admin` category fall under it;
 * - every delegated category of the Partner API (acting in a customer tenant: user and licence
 *   management, application consent) is E3 by definition;
 * - `technical-exceptions`: filing (or renewing) an exception needs a real MFA sign-in, so an
 *   exception cannot be used to ask for the next one;
 * - `program`: the operator's own administration (the operator tenant holds no exceptions anyway).
 */
const NEVER_COVERED: ReadonlySet<AccessArea> = new Set<AccessArea>([
  'gdap',
  'user-management',
  'application-consent',
  'technical-exceptions',
  'program',
]);

/** The enforcement points an approval may name (SPEC E1, E2); E3 is not one of them. */
export const ENFORCEMENT_POINTS = ['E1', 'E2'] as const;
export type EnforcementPoint = (typeof ENFORCEMENT_POINTS)[number];

/** Whether an exception may admit a request without MFA to this area at all. */
export function exceptionMayCover(area: AccessArea, options: { delegated: boolean }): boolean {
  return !options.delegated && !NEVER_COVERED.has(area);
}

/** The stored scope (`E1`, `E2`, `E1,E2`) as its points; anything else covers nothing. */
export function parseScope(stored: string | null): EnforcementPoint[] {
  if (!stored) return [];
  return stored
    .split(',')
    .filter((p): p is EnforcementPoint => (ENFORCEMENT_POINTS as readonly string[]).includes(p));
}

export function formatScope(points: readonly EnforcementPoint[]): string {
  return ENFORCEMENT_POINTS.filter((p) => points.includes(p)).join(',');
}
