import { createHmac } from 'node:crypto';
import { safeEqual } from '../security/constant-time.ts';

/**
 * How Warden signs a webhook delivery (docs/security-alerts.md "Verifying a delivery"):
 * `X-Warden-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` with the registration's
 * secret, and `X-Warden-Timestamp: <unix seconds>`. The timestamp is inside the MAC, so a receiver
 * that refuses old timestamps refuses replays.
 */
export const SIGNATURE_HEADER = 'x-warden-signature';
export const TIMESTAMP_HEADER = 'x-warden-timestamp';

export function signDelivery(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * What a receiver does (and Warden's tests): the signature matches (compared in constant time) and
 * the timestamp is within `toleranceSeconds` of the receiver's `nowSeconds`.
 */
export function verifyDelivery(
  secret: string,
  headers: { signature: string | undefined; timestamp: string | undefined },
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  if (!headers.signature || !headers.timestamp || !/^\d{1,12}$/.test(headers.timestamp)) return false;
  const timestamp = Number(headers.timestamp);
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  return safeEqual(signDelivery(secret, timestamp, body), headers.signature);
}
