import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { base64url, decodeProtectedHeader, exportSPKI, importJWK, SignJWT } from 'jose';
import { PublicKeyCache } from '../src/tokens/public-keys.ts';
import { rotateSigningKeys } from '../src/tokens/signing-keys.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { redeem, signIn, startAuthorization } from './support/oidc.ts';
import {
  type ApiResponse,
  activeSigningKey,
  callApi,
  expiryOf,
  sign,
  strangerKey,
  userClaims,
  userToken,
} from './support/tokens.ts';

const JANE = 'jane@contoso.example';
const CUSTOMERS = '/v1/customers';

/** RFC 6750 §3: a 401 for a bad token challenges with `Bearer error="invalid_token"` and says why. */
function assertInvalidToken(res: ApiResponse, code = 'invalid_token'): void {
  assert.equal(res.status, 401);
  assert.equal(res.body.wardenCode, code);
  const challenge = res.headers.get('www-authenticate') ?? '';
  assert.match(challenge, /^Bearer error="invalid_token"/);
  assert.match(challenge, /error_description="[^"]+"/);
}

/** The reason phrase of the status line as the server sent it (node:http, no client in between). */
function statusLine(url: string, token: string): Promise<{ status?: number; message?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      resolve({ status: res.statusCode, message: res.statusMessage });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('SPEC E2: Partner API tokens', () => {
  let w: TestWarden;
  let jane: string;
  let john: string;
  before(async () => {
    w = await startWarden();
    jane = await userToken(w, JANE);
    john = await userToken(w, 'john@fabrikam.example');
  });
  after(() => w.stop());

  it('SPEC E2: App+User token without mfa gets 401 "Unauthorized - MFA required" with WWW-Authenticate Bearer error="invalid_token"', async () => {
    const res = await callApi(w, 'GET', CUSTOMERS, { token: john });
    assert.equal(res.status, 401);
    assert.equal(res.statusText, 'Unauthorized - MFA required');
    assertInvalidToken(res, 'mfa_required');
    // Partner Center REST error codes: its body, with its number (the SDK's "MFA required. (10001)").
    assert.deepEqual(Object.keys(res.body).sort(), ['code', 'data', 'description', 'source', 'wardenCode']);
    assert.equal(res.body.code, 10001);
    assert.equal(res.body.source, 'PartnerFD');
    assert.equal(typeof res.body.description, 'string');
    assert.deepEqual(res.body.data, []);
    const line = await statusLine(`${w.baseUrl}${CUSTOMERS}`, john);
    assert.deepEqual(line, { status: 401, message: 'Unauthorized - MFA required' });
  });

  it('SPEC E2: the same route answers 200 to an App+User token with mfa in amr', async () => {
    const res = await callApi(w, 'GET', CUSTOMERS, { token: jane });
    assert.equal(res.status, 200);
    assert.equal(res.body.attributes.objectType, 'Collection');
  });

  it('SPEC E2: a forged copy of a valid token changed only to amr ["pwd"] is refused as mfa_required (the baseline is valid)', async () => {
    assert.equal(
      (await callApi(w, 'GET', CUSTOMERS, { token: await sign(w, userClaims(w, JANE)) })).status,
      200,
    );
    const pwdOnly = await sign(w, userClaims(w, JANE, { amr: ['pwd'] }));
    assertInvalidToken(await callApi(w, 'GET', CUSTOMERS, { token: pwdOnly }), 'mfa_required');
  });

  it('RFC 6750 §3.1: no Authorization header gets 401 missing_token with a Bearer challenge', async () => {
    const res = await callApi(w, 'GET', CUSTOMERS);
    assert.equal(res.status, 401);
    assert.equal(res.body.wardenCode, 'missing_token');
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer /);
    const basic = await callApi(w, 'GET', CUSTOMERS, { headers: { authorization: 'Basic amFuZTpwdw==' } });
    assert.equal(basic.body.wardenCode, 'missing_token');
  });

  it('RFC 6750 §3.1: tampered tokens: each gets 401 invalid_token with WWW-Authenticate Bearer error="invalid_token"', async () => {
    const real = await activeSigningKey(w);
    const stranger = await strangerKey();
    const { n } = real.jwk as { n: string };
    const [header, payload, signature] = jane.split('.') as [string, string, string];
    const middle = Math.floor(signature.length / 2);
    const flipped = signature[middle] === 'A' ? 'B' : 'A';
    const badSignature = `${header}.${payload}.${signature.slice(0, middle)}${flipped}${signature.slice(middle + 1)}`;
    const unsecured = `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${base64url.encode(
      JSON.stringify(userClaims(w, JANE)),
    )}.`;
    const publicPem = await exportSPKI((await importJWK({ kty: 'RSA', n, e: 'AQAB' }, 'RS256')) as CryptoKey);
    const hmac = (secret: Uint8Array) =>
      new SignJWT(userClaims(w, JANE))
        .setProtectedHeader({ alg: 'HS256', kid: real.kid, typ: 'JWT' })
        .sign(secret);
    const nowS = Math.floor(w.clock.now() / 1000);
    const contoso = w.demo.tenants.contoso!.id;
    const nobody = crypto.randomUUID();

    const cases: [string, string][] = [
      ['bad signature (one character of the signature changed)', badSignature],
      ['alg none', unsecured],
      ['HS256 keyed with the public modulus', await hmac(base64url.decode(n))],
      ['HS256 keyed with the public key PEM', await hmac(new TextEncoder().encode(publicPem))],
      ['HS256 keyed with any secret', await hmac(new TextEncoder().encode('a'.repeat(32)))],
      [
        'unknown kid (signed by a key the issuer never published)',
        await sign(w, userClaims(w, JANE), stranger),
      ],
      [
        'stranger key claiming the real kid',
        await sign(w, userClaims(w, JANE), { ...stranger, kid: real.kid }),
      ],
      ['not yet valid (nbf an hour ahead)', await sign(w, userClaims(w, JANE, { nbf: nowS + 3600 }))],
      [
        'expired an hour ago',
        await sign(w, userClaims(w, JANE, { iat: nowS - 7200, nbf: nowS - 7200, exp: nowS - 3600 })),
      ],
      [
        'wrong issuer (another host)',
        await sign(w, userClaims(w, JANE, { iss: `https://evil.example/${contoso}/v2.0` })),
      ],
      [
        'wrong issuer (another tenant than tid)',
        await sign(w, userClaims(w, JANE, { iss: w.issuer('fabrikam') })),
      ],
      ['wrong audience', await sign(w, userClaims(w, JANE, { aud: 'urn:someone-else' }))],
      ['no audience', await sign(w, userClaims(w, JANE, { aud: undefined }))],
      [
        'unknown tenant',
        await sign(w, userClaims(w, JANE, { tid: nobody, iss: `${w.baseUrl}/${nobody}/v2.0` })),
      ],
      ['neither scopes nor app roles', await sign(w, userClaims(w, JANE, { scp: undefined }))],
      [
        'typ at+jwt (the Partner API is Entra-shaped: Warden issues it typ JWT)',
        await new SignJWT(userClaims(w, JANE))
          .setProtectedHeader({ alg: 'RS256', kid: real.kid, typ: 'at+jwt' })
          .sign(real.key),
      ],
      ['not a JWT at all', 'not-a-token'],
    ];
    for (const [name, token] of cases) {
      const res = await callApi(w, 'GET', CUSTOMERS, { token });
      assert.equal(res.status, 401, name);
      assert.equal(res.body.wardenCode, 'invalid_token', name);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer error="invalid_token"/, name);
    }
  });

  it('RFC 9068 §4: an ID token is not an access token (typ and audience differ)', async () => {
    const start = await startAuthorization(w, 'fabrikam');
    const { callback } = await signIn(w, start, { upn: 'john@fabrikam.example' });
    const tokens = await redeem(start, callback);
    assertInvalidToken(await callApi(w, 'GET', CUSTOMERS, { token: tokens.id_token! }));
  });

  it('SPEC E2: a well-signed token of a tenant that is not a partner (operator, customer) gets 403 not_a_partner_tenant', async () => {
    for (const key of ['operator', 'northwind']) {
      const tid = w.demo.tenants[key]!.id;
      const token = await sign(w, userClaims(w, JANE, { tid, iss: w.issuer(key) }));
      const res = await callApi(w, 'GET', CUSTOMERS, { token });
      assert.equal(res.status, 403, key);
      assert.equal(res.body.wardenCode, 'not_a_partner_tenant', key);
    }
  });

  it('Operations: after a key rotation, a token signed with the new key is accepted (unknown kid refetches the keys)', async () => {
    const oldKid = decodeProtectedHeader(jane).kid;
    w.clock.advance(10_000); // the made-up kids of the tests above no longer hold back a refetch
    assert.equal((await callApi(w, 'GET', CUSTOMERS, { token: jane })).status, 200);
    await rotateSigningKeys(w.ctx.db, w.ctx.keyBox, Date.now(), { immediate: true });
    assert.equal(await w.ctx.authorities.reloadKeysIfRotated(), true);
    const forged = await sign(w, userClaims(w, JANE)); // the new key, at once: no time to wait out a limit
    assert.notEqual(decodeProtectedHeader(forged).kid, oldKid);
    assert.equal((await callApi(w, 'GET', CUSTOMERS, { token: forged })).status, 200);
    const fresh = await userToken(w, JANE);
    assert.notEqual(decodeProtectedHeader(fresh).kid, oldKid);
    assert.equal((await callApi(w, 'GET', CUSTOMERS, { token: fresh })).status, 200);
    // Tokens the retired key signed keep working.
    assert.equal((await callApi(w, 'GET', CUSTOMERS, { token: jane })).status, 200);
  });

  it('RFC 7519 §4.1.4: expired: advancing the clock past exp plus the 5-minute skew makes a token that worked get 401 invalid_token', async () => {
    const token = await userToken(w, JANE);
    assert.equal((await callApi(w, 'GET', CUSTOMERS, { token })).status, 200);
    const untilExpiry = expiryOf(token) * 1000 - w.clock.now();
    w.clock.advance(untilExpiry + 200_000); // inside the skew: still accepted
    assert.equal((await callApi(w, 'GET', CUSTOMERS, { token })).status, 200);
    w.clock.advance(101_000 + 1_000); // past exp + 300 s
    assertInvalidToken(await callApi(w, 'GET', CUSTOMERS, { token }));
    assertInvalidToken(await callApi(w, 'GET', CUSTOMERS, { token: jane }));
  });
});

describe('Operations: PublicKeyCache, refetch on unknown kid, rate-limited', () => {
  const header = (kid: string) => ({ alg: 'RS256', kid });
  const input = { payload: '', signature: '' };

  async function setup() {
    const [a, b, c] = await Promise.all([strangerKey(), strangerKey(), strangerKey()]);
    const published = [{ ...a.publicJwk, kid: a.kid, alg: 'RS256' }];
    let now = 1_000_000;
    const clock = { now: () => now, advance: (ms: number) => (now += ms) };
    let fetches = 0;
    const cache = new PublicKeyCache(async () => {
      fetches++;
      return [...published];
    }, clock);
    return { a, b, c, published, clock, cache, fetches: () => fetches };
  }

  it('Operations: an unknown kid triggers one refetch; a second unknown kid within 10 s does not fetch again', async () => {
    const { a, b, c, published, clock, cache, fetches } = await setup();
    await cache.getKey(header(a.kid), input);
    assert.equal(fetches(), 1);
    await cache.getKey(header(a.kid), input);
    assert.equal(fetches(), 1, 'known keys come from the cache');

    published.push({ ...b.publicJwk, kid: b.kid, alg: 'RS256' }); // the issuer rotates
    clock.advance(1_000); // right after the first fetch: the new key must still be found
    await cache.getKey(header(b.kid), input);
    assert.equal(fetches(), 2, 'the new kid was fetched once');

    clock.advance(9_000);
    await assert.rejects(async () => cache.getKey(header(c.kid), input), {
      code: 'ERR_JWKS_NO_MATCHING_KEY',
    });
    assert.equal(fetches(), 2, 'no fetch within the rate-limit window');
    clock.advance(1_000);
    await assert.rejects(async () => cache.getKey(header(c.kid), input), {
      code: 'ERR_JWKS_NO_MATCHING_KEY',
    });
    assert.equal(fetches(), 3, 'once the window has passed, one more fetch');
  });

  it('Operations: concurrent requests with the same unknown kid share one fetch', async () => {
    const { a, b, published, clock, cache, fetches } = await setup();
    await cache.getKey(header(a.kid), input);
    published.push({ ...b.publicJwk, kid: b.kid, alg: 'RS256' });
    clock.advance(10_000);
    await Promise.all([1, 2, 3, 4].map(() => cache.getKey(header(b.kid), input)));
    assert.equal(fetches(), 2);
  });

  it('Operations: keys are fetched again after ten minutes even without an unknown kid', async () => {
    const { a, clock, cache, fetches } = await setup();
    await cache.getKey(header(a.kid), input);
    clock.advance(10 * 60_000);
    await cache.getKey(header(a.kid), input);
    assert.equal(fetches(), 2);
  });
});
