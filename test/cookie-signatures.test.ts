import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { CookieSigner } from '../src/tokens/cookie-signatures.ts';

/*
 * The authorities' cookies (session, interaction, resume) are signed, and a cookie whose `.sig`
 * does not match is not believed (Koa `cookies`, oidc-provider `cookies.keys`). The signer writes
 * the key ring's format (HMAC-SHA1 of `name=value`, base64url) so cookies already issued verify.
 */
describe('authority cookie signatures', () => {
  const data = '_warden_interaction=Yf3kQ0x2pZ9rT1uVwXyZa';

  it('signs name=value with HMAC-SHA1, base64url, as the cookies module’s key ring does', () => {
    const signer = new CookieSigner(['key-one']);
    const expected = createHmac('sha1', 'key-one').update(data).digest('base64url');
    assert.equal(signer.sign(data), expected);
    assert.equal(signer.index(data, expected), 0);
    assert.equal(signer.verify(data, expected), true);
  });

  it('refuses a changed value, a changed signature and a signature of another length', () => {
    const signer = new CookieSigner(['key-one']);
    const signature = signer.sign(data);
    assert.equal(signer.verify(`${data}x`, signature), false);
    const flipped = `${signature.slice(0, -2)}${signature.at(-2) === 'A' ? 'B' : 'A'}${signature.at(-1)}`;
    assert.equal(signer.verify(data, flipped), false);
    assert.equal(signer.verify(data, signature.slice(0, -1)), false);
    assert.equal(signer.verify(data, ''), false);
    assert.equal(signer.verify(data, new CookieSigner(['key-two']).sign(data)), false);
  });

  it('accepts one spelling of a signature only, as the key ring compares text', () => {
    const signer = new CookieSigner(['key-one']);
    const signature = signer.sign(data);
    const last = signature.at(-1)!;
    // 20 bytes in 27 characters leave two bits of the last one unused: decoders ignore them.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sameBits = [...alphabet].filter(
      (c) => c !== last && alphabet.indexOf(c) >> 2 === alphabet.indexOf(last) >> 2,
    );
    assert.equal(sameBits.length, 3);
    const respelled = [
      `${signature}=`,
      `${signature}!!`,
      `${signature.slice(0, 5)} ${signature.slice(5)}`,
      `${signature}=AAAA`,
      signature.replaceAll('-', '+').replaceAll('_', '/'),
      ...sameBits.map((c) => `${signature.slice(0, -1)}${c}`),
    ].filter((variant) => variant !== signature);
    for (const variant of respelled) {
      assert.deepEqual(Buffer.from(variant, 'base64url'), Buffer.from(signature, 'base64url'));
      assert.equal(signer.index(data, variant), -1, variant);
    }
    assert.equal(signer.index(data, undefined as unknown as string), -1);
  });

  it('after a rotation signs with the first key and still verifies the older one', () => {
    const before = new CookieSigner(['old']);
    const after = new CookieSigner(['new', 'old']);
    assert.equal(after.index(data, before.sign(data)), 1);
    assert.equal(after.sign(data), new CookieSigner(['new']).sign(data));
    assert.equal(after.index(data, after.sign(data)), 0);
  });

  it('needs a key', () => {
    assert.throws(() => new CookieSigner([]));
  });
});
