import { distanceKm, type GeoIpTable, type Place } from '../sign-in-logs/location.ts';
import type { Db } from '../storage/database.ts';
import type { NewFraudEvent } from './fraud-events.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Faster than an airliner between two consecutive sign-ins of one user: impossible travel. */
export const IMPOSSIBLE_SPEED_KMH = 1000;
/** Nearby places (one metro area, the table's precision) never count as travel. */
const MIN_TRAVEL_KM = 100;
/** A sign-in is checked when it is this recent; the country history looks back 30 days before it. */
const CHECK_WINDOW_MS = DAY_MS;
const HISTORY_MS = 30 * DAY_MS;

interface LocatedSignIn {
  id: string;
  at: number;
  customerTenantId: string;
  userId: string;
  upn: string;
  ip: string;
  place: Place;
}

/**
 * The sign-in rules of the detector (docs/security-alerts.md "Detector rules"): a partner user's
 * successful sign-in to a customer tenant (SPEC E3: admin on behalf of) in the last 24 hours,
 * placed by the operator's GeoIP table, raises
 * - `SignInFromNewCountry` when the user's located sign-ins to customers of the 30 days before
 *   came from other countries only (a user with no history has nothing to compare with);
 * - `ImpossibleTravelSignIn` when the user's previous located sign-in was over 100 km away and
 *   reaching it meant travelling faster than 1000 km/h.
 * Each is keyed by the sign-in's id, so reruns and instances raise it once. The event is on the
 * customer's oldest active subscription (fraud events are per subscription, reference §5.1); a
 * customer without one raises none.
 */
export async function signInAnomalies(
  db: Db,
  geo: GeoIpTable,
  partnerTenantId: string,
  now: number,
): Promise<NewFraudEvent[]> {
  const rows = await db
    .selectFrom('sign_ins')
    .select(['id', 'created_at', 'tenant_id', 'user_id', 'user_principal_name', 'ip_address'])
    .where('home_tenant_id', '=', partnerTenantId)
    .where('tenant_id', '!=', partnerTenantId)
    .where('error_code', '=', 0)
    .where('created_at', '>', now - CHECK_WINDOW_MS - HISTORY_MS)
    .where('created_at', '<=', now)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const byUser = new Map<string, LocatedSignIn[]>();
  for (const r of rows) {
    const place = geo.locate(r.ip_address);
    if (!place || !r.user_id) continue;
    const s: LocatedSignIn = {
      id: r.id,
      at: Number(r.created_at),
      customerTenantId: r.tenant_id,
      userId: r.user_id,
      upn: r.user_principal_name ?? r.user_id,
      ip: r.ip_address!,
      place,
    };
    byUser.set(s.userId, [...(byUser.get(s.userId) ?? []), s]);
  }
  const found: NewFraudEvent[] = [];
  const subscriptions = new Map<string, string | undefined>();
  const subscriptionOf = async (customerTenantId: string) => {
    if (!subscriptions.has(customerTenantId))
      subscriptions.set(
        customerTenantId,
        await oldestActiveSubscription(db, partnerTenantId, customerTenantId),
      );
    return subscriptions.get(customerTenantId);
  };
  for (const list of byUser.values()) {
    for (const [i, s] of list.entries()) {
      if (s.at <= now - CHECK_WINDOW_MS) continue;
      const earlier = list.slice(0, i).filter((e) => e.at > s.at - HISTORY_MS);
      const subscriptionId = await subscriptionOf(s.customerTenantId);
      if (!subscriptionId) continue;
      const base = {
        partnerTenantId,
        customerTenantId: s.customerTenantId,
        subscriptionId,
        entityName: s.upn,
        serviceName: 'Warden sign-in',
        resourceName: s.customerTenantId,
        country: s.place.countryCode,
        firstObservedAt: s.at,
        lastObservedAt: s.at,
        source: 'detector' as const,
        raisedBy: 'Warden detector',
      };
      if (earlier.length > 0 && earlier.every((e) => e.place.countryCode !== s.place.countryCode)) {
        found.push({
          ...base,
          eventType: 'SignInFromNewCountry',
          severity: 'Medium',
          confidenceLevel: 'Medium',
          displayName: 'Partner sign-in from a new country',
          description: `${s.upn} signed in to a customer tenant from ${s.place.countryCode}, a country none of the user's sign-ins of the previous 30 days came from.`,
          additionalDetails: {
            userPrincipalName: s.upn,
            ipAddress: s.ip,
            signInId: s.id,
            previousCountries: [...new Set(earlier.map((e) => e.place.countryCode))].join(' '),
          },
          detectionKey: `signin-country:${s.id}`,
        });
      }
      const previous = earlier.at(-1);
      if (previous) {
        const km = distanceKm(previous.place, s.place);
        const hours = Math.max(s.at - previous.at, 1) / HOUR_MS;
        const speed = km / hours;
        if (km >= MIN_TRAVEL_KM && speed > IMPOSSIBLE_SPEED_KMH) {
          found.push({
            ...base,
            eventType: 'ImpossibleTravelSignIn',
            severity: 'High',
            confidenceLevel: 'High',
            displayName: 'Partner sign-ins at an impossible travel speed',
            description: `${s.upn} signed in from ${s.place.countryCode} ${Math.round(km)} km from the previous sign-in (${previous.place.countryCode}) ${hours.toFixed(2)} hours later: ${Math.round(speed)} km/h.`,
            firstObservedAt: previous.at,
            additionalDetails: {
              userPrincipalName: s.upn,
              ipAddress: s.ip,
              previousIpAddress: previous.ip,
              signInId: s.id,
              previousSignInId: previous.id,
              distanceKm: String(Math.round(km)),
              speedKmh: String(Math.round(speed)),
            },
            detectionKey: `signin-travel:${s.id}`,
          });
        }
      }
    }
  }
  return found;
}

async function oldestActiveSubscription(
  db: Db,
  partnerTenantId: string,
  customerTenantId: string,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('subscriptions as s')
    .innerJoin('customers as c', (j) =>
      j.onRef('c.id', '=', 's.customer_id').onRef('c.tenant_id', '=', 's.tenant_id'),
    )
    .select('s.id')
    .where('s.tenant_id', '=', partnerTenantId)
    .where('c.customer_tenant_id', '=', customerTenantId)
    .where('s.status', '=', 'active')
    .orderBy('s.created_at')
    .orderBy('s.id')
    .executeTakeFirst();
  return row?.id;
}
