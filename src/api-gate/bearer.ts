import type { IncomingMessage } from 'node:http';

/**
 * What a request's credentials are, read as RFC 6750 §2.1 says: one `Authorization` header
 * `Bearer <b64token>`. Node keeps only the first of two `Authorization` headers, so the raw
 * headers are counted: two headers, or two credentials joined by a comma in one (what a proxy
 * writes when it merges two header lines, RFC 9110 §5.3), would leave the gate guessing which one
 * the client meant — that is a malformed request (RFC 6750 §3.1 `invalid_request`, 400), never a
 * choice.
 */
export type BearerCredentials =
  | { kind: 'token'; token: string }
  /** No Authorization header, another scheme, or no token after `Bearer`: 401 with a challenge. */
  | { kind: 'none' }
  /** Two Authorization headers, or two credentials in one: 400. */
  | { kind: 'ambiguous' };

// RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token; the scheme is case-insensitive.
const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i;

export function bearerCredentials(raw: Pick<IncomingMessage, 'rawHeaders'>): BearerCredentials {
  let value: string | undefined;
  const headers = raw.rawHeaders;
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i]!.length !== 13 || headers[i]!.toLowerCase() !== 'authorization') continue;
    if (value !== undefined) return { kind: 'ambiguous' };
    value = headers[i + 1]!;
  }
  if (value === undefined) return { kind: 'none' };
  if (value.includes(',')) return { kind: 'ambiguous' };
  const match = BEARER.exec(value);
  return match ? { kind: 'token', token: match[1]! } : { kind: 'none' };
}
