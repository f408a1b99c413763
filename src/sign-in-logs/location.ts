import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';

/**
 * Graph `signIn.location` (reference §8.2): city, state, countryOrRegion and geoCoordinates of
 * where a sign-in came from. Warden calls no lookup service (an address would leave the
 * installation). It places an address only from the operator's own table (WARDEN_GEOIP_FILE,
 * below); without one, or for an address the table does not cover, the location is the empty
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

/** Where a network is, as one row of the operator's table says. */
export interface Place {
  countryCode: string;
  latitude: number;
  longitude: number;
}

/**
 * The operator's address table (issue 14 item 5; docs/security-alerts.md "Placing sign-ins"): a
 * CSV of `network,countryCode,latitude,longitude`, one IPv4 or IPv6 CIDR network per line (a
 * header line starting `network` and `#` comments are skipped), e.g.
 * `10.1.0.0/16,DE,52.52,13.40`. The most specific network that contains an address places it.
 */
export class GeoIpTable {
  /** Per family and prefix length: network (masked address) → place. */
  readonly #networks = new Map<string, Map<bigint, Place>>();
  /** The prefix lengths present per family, longest first. */
  readonly #lengths = new Map<4 | 6, number[]>();

  static parse(text: string, source = 'the GeoIP table'): GeoIpTable {
    const table = new GeoIpTable();
    for (const [i, raw] of text.split(/\r?\n/).entries()) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#') || /^network\s*,/i.test(line)) continue;
      const fail = (why: string) => new Error(`${source} line ${i + 1}: ${why}`);
      const [network, countryCode, lat, lon, ...rest] = line.split(',').map((f) => f.trim());
      if (rest.length > 0 || lon === undefined) throw fail('expected network,countryCode,latitude,longitude');
      const [address, bitsText] = network!.split('/');
      const family = isIP(address ?? '');
      if (family !== 4 && family !== 6) throw fail(`${network} is not an IPv4 or IPv6 network`);
      const width = family === 4 ? 32 : 128;
      const bits = bitsText === undefined ? width : Number(bitsText);
      if (!Number.isInteger(bits) || bits < 0 || bits > width || !/^\d*$/.test(bitsText ?? ''))
        throw fail(`${network} has no valid prefix length`);
      if (!/^[A-Z]{2}$/.test(countryCode ?? ''))
        throw fail(`${countryCode} is not a two-letter country code`);
      const latitude = Number(lat);
      const longitude = Number(lon);
      if (lat === '' || !(Math.abs(latitude) <= 90) || lon === '' || !(Math.abs(longitude) <= 180))
        throw fail('latitude and longitude must be degrees (±90, ±180)');
      table.#add(family, bits, toNumber(address!, family), {
        countryCode: countryCode!,
        latitude,
        longitude,
      });
    }
    return table;
  }

  static load(path: string): GeoIpTable {
    return GeoIpTable.parse(readFileSync(path, 'utf8'), path);
  }

  #add(family: 4 | 6, bits: number, address: bigint, place: Place): void {
    const key = `${family}/${bits}`;
    let networks = this.#networks.get(key);
    if (!networks) {
      networks = new Map();
      this.#networks.set(key, networks);
      const lengths = [...(this.#lengths.get(family) ?? []), bits].sort((a, b) => b - a);
      this.#lengths.set(family, lengths);
    }
    networks.set(mask(address, bits, family), place);
  }

  /** The place of an address, or undefined when no network of the table contains it. */
  locate(ip: string | null | undefined): Place | undefined {
    if (!ip) return undefined;
    let address = ip;
    // An IPv4 address as an IPv6-mapped one (`::ffff:10.1.2.3`, how Node reports some clients).
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
    if (mapped) address = mapped[1]!;
    const family = isIP(address);
    if (family !== 4 && family !== 6) return undefined;
    const value = toNumber(address, family);
    for (const bits of this.#lengths.get(family) ?? []) {
      const place = this.#networks.get(`${family}/${bits}`)?.get(mask(value, bits, family));
      if (place) return place;
    }
    return undefined;
  }
}

/** Graph's location of a placed address (the table knows no city or state). */
export function locationOf(place: Place | undefined): SignInLocation {
  if (!place) return UNKNOWN_LOCATION;
  return {
    city: null,
    state: null,
    countryOrRegion: place.countryCode,
    geoCoordinates: { altitude: null, latitude: place.latitude, longitude: place.longitude },
  };
}

function mask(value: bigint, bits: number, family: 4 | 6): bigint {
  const width = BigInt(family === 4 ? 32 : 128);
  const keep = BigInt(bits);
  return keep === 0n ? 0n : (value >> (width - keep)) << (width - keep);
}

function toNumber(address: string, family: 4 | 6): bigint {
  if (family === 4) return address.split('.').reduce((n, part) => (n << 8n) | BigInt(Number(part)), 0n);
  // Expand `::` and an embedded IPv4 tail, then read eight 16-bit groups.
  let text = address.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = toNumber(v4[1]!, 4);
    text = `${text.slice(0, -v4[1]!.length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups =
    tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return groups.reduce((n, g) => (n << 16n) | BigInt(Number.parseInt(g, 16)), 0n);
}

const EARTH_RADIUS_KM = 6371;

/** Great-circle distance between two places (haversine), in kilometres. */
export function distanceKm(a: Place, b: Place): number {
  const rad = (d: number) => (d * Math.PI) / 180;
  const dLat = rad(b.latitude - a.latitude);
  const dLon = rad(b.longitude - a.longitude);
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.latitude)) * Math.cos(rad(b.latitude)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

const tables = new Map<string, GeoIpTable>();

/**
 * The table of WARDEN_GEOIP_FILE, read once per process (`warden serve` reads it at start, so a
 * bad file stops it then); undefined when none is configured.
 */
export function geoIpTableOf(path: string | undefined): GeoIpTable | undefined {
  if (!path) return undefined;
  let table = tables.get(path);
  if (!table) {
    table = GeoIpTable.load(path);
    tables.set(path, table);
  }
  return table;
}

/** Graph's `location` of an address by the table of WARDEN_GEOIP_FILE (unknown without one). */
export function locatorOf(path: string | undefined): (ip: string | null) => SignInLocation {
  const table = geoIpTableOf(path);
  return (ip) => locationOf(table?.locate(ip));
}
