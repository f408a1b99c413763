import { createHmac } from 'node:crypto';
import { safeEqual } from '../security/constant-time.ts';

/**
 * How Warden signs a webhook delivery (docs/security-alerts.md "Verifying a delivery"):
 * `X-Warden-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<delivery id>.<body>">` with the
 * registration's secret, `X-Warden-Timestamp: <unix seconds>` (Warden's clock when the attempt is
 * sent) and `X-Warden-Delivery: <delivery id>` (the same on every retry). Both are inside the MAC:
 * a receiver that refuses old timestamps refuses replays, and one that remembers the delivery ids
 * it handled within that window handles each delivery once, retries included.
 */
export const SIGNATURE_HEADER = 'x-warden-signature';
export const TIMESTAMP_HEADER = 'x-warden-timestamp';
export const DELIVERY_HEADER = 'x-warden-delivery';

export function signDelivery(secret: string, timestamp: number, deliveryId: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${deliveryId}.${body}`).digest('hex')}`;
}

/**
 * What a receiver does (and Warden's tests): the signature over the timestamp, the delivery id
 * and the body matches (compared in constant time) and the timestamp is within
 * `toleranceSeconds` of the receiver's `nowSeconds`.
 */
export function verifyDelivery(
  secret: string,
  headers: { signature: string | undefined; timestamp: string | undefined; deliveryId: string | undefined },
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  if (!headers.signature || !headers.timestamp || !/^\d{1,12}$/.test(headers.timestamp)) return false;
  if (!headers.deliveryId || !/^[0-9a-f-]{36}$/.test(headers.deliveryId)) return false;
  const timestamp = Number(headers.timestamp);
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  return safeEqual(signDelivery(secret, timestamp, headers.deliveryId, body), headers.signature);
}
