import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

/**
 * Issue 16 item 1: behind haproxy the connection's peer is the balancer, and the client is what it
 * says in X-Forwarded-For. Warden believes that only from the proxies it is told of
 * (WARDEN_TRUSTED_PROXIES); from anyone else the headers are dropped, so a client cannot choose
 * the address its sign-ins are logged and throttled under (issue 2 item 9: guesses per address).
 * From a trusted proxy only the last hop counts: the address that proxy saw connect to it, which
 * is what it appended; what came before it is the client's to invent.
 */

const FORWARDED_HEADERS = ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host'] as const;

/** An IPv4/IPv6 address, or a CIDR range of one. */
export function isAddressOrRange(entry: string): boolean {
  const [address, bits, ...rest] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  const prefix = Number(bits);
  return /^\d{1,3}$/.test(bits) && prefix <= (family === 4 ? 32 : 128);
}

/** The last value of a comma-separated header (repeated headers arrive joined), trimmed. */
function lastHop(value: string | string[] | undefined): string | undefined {
  const joined = Array.isArray(value) ? value.join(',') : value;
  const hop = joined?.split(',').at(-1)?.trim();
  return hop ? hop : undefined;
}

export class TrustedProxies {
  readonly #list = new BlockList();
  readonly any: boolean;

  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const [address, bits] = entry.split('/') as [string, string | undefined];
      const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.#list.addAddress(address, type);
      else this.#list.addSubnet(address, Number(bits), type);
    }
    this.any = entries.length > 0;
  }

  /** Whether a peer address is one of the trusted proxies (an IPv4-mapped IPv6 address as its IPv4). */
  trusts(address: string | undefined): boolean {
    if (!address || !this.any) return false;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    if (mapped) return this.#list.check(mapped, 'ipv4');
    return this.#list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
  }

  /**
   * Before anything reads the request: from a trusted proxy, X-Forwarded-For and -Proto are cut
   * to their last hop (a valid address, `http` or `https`); from anyone else, and for the host
   * (Warden's URLs come from WARDEN_BASE_URL), the headers are removed.
   */
  accept(req: IncomingMessage): void {
    const forwardedFor = lastHop(req.headers['x-forwarded-for']);
    const forwardedProto = lastHop(req.headers['x-forwarded-proto'])?.toLowerCase();
    for (const name of FORWARDED_HEADERS) delete req.headers[name];
    if (!this.trusts(req.socket.remoteAddress)) return;
    if (forwardedFor && isIP(forwardedFor)) req.headers['x-forwarded-for'] = forwardedFor;
    if (forwardedProto === 'http' || forwardedProto === 'https')
      req.headers['x-forwarded-proto'] = forwardedProto;
  }
}
