import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';

/**
 * The signatures of the authorities' cookies (session, interaction, resume), as Koa's `cookies`
 * module asks of a key ring: `sign`, `verify`, `index`. oidc-provider takes such an object as its
 * `cookies.keys` instead of an array of strings.
 *
 * It writes what keygrip (the module's default ring) writes — HMAC-SHA1 of `name=value`, base64url
 * — so cookies already in browsers still verify; HMAC-SHA1 remains a sound MAC (the SHA-1 collisions
 * do not carry over to HMAC). What differs is the cost: the key is a KeyObject made once (keygrip
 * converts its string key on every HMAC) and the comparison is one `timingSafeEqual` (keygrip's
 * `tsscmp` draws a random key and computes two more HMACs per comparison). A sign-in reads these
 * cookies a dozen times; keygrip's way was about 5 % of the event loop's time (issue 16 item 5).
 */
export class CookieSigner {
  readonly #keys: KeyObject[];

  /** `keys[0]` signs; every key verifies (a rotation adds the new key first). */
  constructor(keys: readonly string[]) {
    if (keys.length === 0) throw new Error('CookieSigner needs at least one key');
    this.#keys = keys.map((key) => createSecretKey(Buffer.from(key, 'utf8')));
  }

  sign(data: string): string {
    return mac(this.#keys[0]!, data).toString('base64url');
  }

  verify(data: string, digest: string): boolean {
    return this.index(data, digest) > -1;
  }

  /**
   * Which key made `digest` over `data`, or -1. The digest is compared as the text keygrip would
   * have written, not decoded first: Node's base64url decoder accepts padding, `+` and `/`, unused
   * trailing bits and stray characters, so decoding would accept several spellings of one
   * signature where keygrip accepts exactly one.
   */
  index(data: string, digest: string): number {
    if (typeof digest !== 'string') return -1;
    const presented = Buffer.from(digest, 'utf8');
    for (let i = 0; i < this.#keys.length; i++) {
      const expected = Buffer.from(mac(this.#keys[i]!, data).toString('base64url'), 'utf8');
      // The length of an HMAC-SHA1 is public; only equal lengths are compared, in constant time.
      if (presented.length === expected.length && timingSafeEqual(presented, expected)) return i;
    }
    return -1;
  }
}

function mac(key: KeyObject, data: string): Buffer {
  return createHmac('sha1', key).update(data).digest();
}
