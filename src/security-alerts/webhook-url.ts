import { BlockList, isIP } from 'node:net';

/**
 * Which URLs a partner may register for webhooks (SPEC §13, issue 14 item 5): https only, no
 * credentials in the URL (they would be stored and sent in the clear), and no host that is not a
 * public address: loopback, unspecified, private (RFC 1918, ULA), link-local (cloud metadata
 * lives at 169.254.169.254), CGNAT, multicast and reserved ranges are refused, in every spelling
 * the URL parser accepts (IPv4-mapped IPv6 included). A loopback host (localhost, 127.0.0.0/8,
 * ::1) is allowed only when the operator sets WARDEN_WEBHOOK_ALLOW_LOOPBACK=1 (a receiver on the
 * same machine, as in development), and then over http too. A name is checked again when a
 * delivery is sent (webhook-transport.ts): what it resolves to then must pass `addressProblem`.
 */
export function webhookUrlProblem(raw: string, allowLoopback: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'WebhookUrl is not an absolute URL.';
  }
  if (url.username !== '' || url.password !== '') return 'WebhookUrl must not carry a user name or password.';
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'WebhookUrl must be an https URL.';
  const host = hostOf(url);
  const loopback = isLoopbackName(host) || (isIP(host) !== 0 && addressKind(host) === 'loopback');
  if (loopback) {
    if (!allowLoopback)
      return 'WebhookUrl names this machine (a loopback address); the operator does not allow it.';
    return undefined;
  }
  if (isIP(host) !== 0 && addressKind(host) !== 'public')
    return 'WebhookUrl names a private, link-local or reserved address.';
  if (url.protocol !== 'https:') return 'WebhookUrl must be an https URL.';
  return undefined;
}

/** The URL's host without IPv6 brackets, lower case. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
}

/** `localhost`, `localhost.` and any name under `.localhost` (RFC 6761 §6.3: always this machine). */
export function isLoopbackName(host: string): boolean {
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  return name === 'localhost' || name.endsWith('.localhost');
}

export type AddressKind = 'public' | 'loopback' | 'internal';

const loopbackRanges = new BlockList();
loopbackRanges.addSubnet('127.0.0.0', 8, 'ipv4');
loopbackRanges.addAddress('::1', 'ipv6');

// IANA special-purpose registries (RFC 6890 and successors): nothing a partner's receiver on the
// internet can have.
const internalRanges = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], // "this network", 0.0.0.0 included
  ['10.0.0.0', 8], // RFC 1918
  ['100.64.0.0', 10], // CGNAT (RFC 6598)
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12], // RFC 1918
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // RFC 1918
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast included
] as const)
  internalRanges.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128], // unspecified
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard-only
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // deprecated site-local
  ['ff00::', 8], // multicast
] as const)
  internalRanges.addSubnet(net, bits, 'ipv6');

/**
 * What an IP address is. An IPv6 address that carries an IPv4 one (IPv4-mapped `::ffff:a.b.c.d`,
 * IPv4-compatible `::a.b.c.d`, NAT64 `64:ff9b::a.b.c.d`, 6to4 `2002:ab:cd::`) is judged by the
 * IPv4 address inside, so `[::ffff:127.0.0.1]` (which the URL parser writes `[::ffff:7f00:1]`) is
 * loopback. A string that is not an IP address is `internal` (fail closed).
 */
export function addressKind(address: string): AddressKind {
  const family = isIP(address);
  if (family === 0) return 'internal';
  if (family === 6) {
    const inner = embeddedIpv4(address);
    // Only a mapped address reaches the IPv4 host itself; the others go through a translator,
    // so an internal address inside any of them is internal, never loopback.
    if (inner !== undefined && isMapped(address)) return addressKind(inner);
    if (inner !== undefined && addressKind(inner) !== 'public') return 'internal';
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (loopbackRanges.check(address, type)) return 'loopback';
  if (internalRanges.check(address, type)) return 'internal';
  return 'public';
}

/** Why a resolved address may not be sent to, or undefined when it may. */
export function addressProblem(address: string, allowLoopback: boolean): string | undefined {
  const kind = addressKind(address);
  if (kind === 'public') return undefined;
  if (kind === 'loopback' && allowLoopback) return undefined;
  return 'the host resolves to a non-public address';
}

/** Whether the address is IPv4-mapped (`::ffff:a.b.c.d`), whatever its spelling. */
function isMapped(address: string): boolean {
  const words = ipv6Words(address) ?? [];
  return words.length === 8 && words.slice(0, 5).every((x) => x === 0) && words[5] === 0xffff;
}

/** The IPv4 address an IPv6 one carries in its last 32 bits (mapped, compatible, NAT64) or bits 16–48 (6to4). */
function embeddedIpv4(address: string): string | undefined {
  const words = ipv6Words(address);
  if (!words) return undefined;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const zero = (from: number, to: number) => words.slice(from, to).every((x) => x === 0);
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible; :: and ::1 are themselves, not IPv4).
  if (zero(0, 5) && words[5] === 0xffff) return v4(words[6]!, words[7]!);
  if (zero(0, 6) && (words[6] !== 0 || words[7]! > 1)) return v4(words[6]!, words[7]!);
  // 64:ff9b::a.b.c.d (well-known NAT64 prefix, RFC 6052).
  if (words[0] === 0x64 && words[1] === 0xff9b && zero(2, 6)) return v4(words[6]!, words[7]!);
  // 2002:AABB:CCDD::/48 (6to4).
  if (words[0] === 0x2002) return v4(words[1]!, words[2]!);
  return undefined;
}

/** The eight 16-bit words of an IPv6 address (dotted IPv4 tail allowed), or undefined. */
function ipv6Words(address: string): number[] | undefined {
  let text = address.toLowerCase().replace(/%.*$/, '');
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const part = (s: string) => (s === '' ? [] : s.split(':').map((h) => Number.parseInt(h, 16)));
  const head = part(halves[0]!);
  const tail = halves.length === 2 ? part(halves[1]!) : [];
  const fill = 8 - head.length - tail.length;
  if (halves.length === 1 ? head.length !== 8 : fill < 0) return undefined;
  const words = [...head, ...Array<number>(halves.length === 2 ? fill : 0).fill(0), ...tail];
  return words.some((x) => Number.isNaN(x)) ? undefined : words;
}
