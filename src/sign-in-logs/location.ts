/**
 * Graph `signIn.location` (reference §8.2): city, state, countryOrRegion and geoCoordinates of
 * where a sign-in came from. Warden carries no geolocation database and calls no lookup service
 * (an address would leave the installation), so it knows the place of no address — a loopback
 * or private one could not be placed by any database anyway: every row's location is the empty
 * shape (nulls), never invented. `ipAddress` on the row is what is known.
 */
export interface SignInLocation {
  city: string | null;
  state: string | null;
  countryOrRegion: string | null;
  geoCoordinates: { altitude: number | null; latitude: number | null; longitude: number | null };
}

export const UNKNOWN_LOCATION: SignInLocation = Object.freeze({
  city: null,
  state: null,
  countryOrRegion: null,
  geoCoordinates: Object.freeze({ altitude: null, latitude: null, longitude: null }),
});
