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

/**
 * Where an exception admits reads only: a write here changes the partner's security itself, and
 * must come from someone who proved MFA even while the exception lets the account read without it.
 * - `security-alerts` (SPEC §13): suspending a customer's subscription, changing an alert's or a
 *   fraud event's status (which the requirement `securityAlertsPromptlyResolved` counts), and the
 *   alerts' webhooks (where alerts are sent);
 * - `security-requirements` (SPEC §11): the security contact, to whom security notices go;
 * - `security` (SPEC §9 admin unblock): resetting a user's password, dismissing or confirming their
 *   risk, requiring MFA re-registration — changes to another person's credentials.
 */
const READS_ONLY: ReadonlySet<AccessArea> = new Set<AccessArea>([
  'security-alerts',
  'security-requirements',
  'security',
]);

/** Requests that only read (RFC 9110 §9.2.1 safe methods), unless the route declares a write. */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What a gate knows of the request when it asks. */
export interface CoverageQuestion {
  /** A Partner API category that acts in a customer tenant (E3 by definition). */
  delegated: boolean;
  /** The HTTP method. */
  method: string;
  /** The route's declared access (the Partner API declares it); a write whatever the method. */
  access?: 'read' | 'write';
}

/** The enforcement points an approval may name (SPEC E1, E2); E3 is not one of them. */
export const ENFORCEMENT_POINTS = ['E1', 'E2'] as const;
export type EnforcementPoint = (typeof ENFORCEMENT_POINTS)[number];

/**
 * Whether an exception may admit this request without MFA at all: never in a delegated category
 * nor an area kept MFA-only, and only reads where READS_ONLY says so. Both gates (dashboard E1,
 * Partner API E2) ask this before they look for an exception in force.
 */
export function exceptionMayCover(area: AccessArea, request: CoverageQuestion): boolean {
  if (request.delegated || NEVER_COVERED.has(area)) return false;
  if (!READS_ONLY.has(area)) return true;
  return request.access !== 'write' && SAFE_METHODS.has(request.method.toUpperCase());
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
