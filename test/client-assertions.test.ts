import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type CryptoKey, decodeJwt, type KeyObject, SignJWT } from 'jose';
import {
  type ClientCertificate,
  makeClientCertificate,
  registerCertificateApp,
} from './support/client-certificates.ts';
import { graphToken } from './support/graph.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { callApi } from './support/tokens.ts';
import { makeUser } from './support/users.ts';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

describe('RFC 7523 §2.2: client authentication by assertion (client_secret_jwt, private_key_jwt with certificates)', () => {
  let w: TestWarden;
  let admin: string;
  let tokenEndpoint: string;
  let cert: ClientCertificate;
  let app: { id: string; appId: string };
  before(async () => {
    w = await startWarden();
    admin = await graphToken(w, (await makeUser(w, { roles: ['Global Administrator'], totp: true })).upn);
    tokenEndpoint = `${w.baseUrl}/${w.demo.tenants.contoso!.id}/oauth2/v2.0/token`;
    cert = makeClientCertificate(30);
    app = await registerCertificateApp(w, admin, [cert]);
  });
  after(() => w.stop());

  /** A client assertion (RFC 7523 §3) for `appId`, as MSAL builds one; `over` changes one thing. */
  const assertion = (
    key: CryptoKey | KeyObject | Uint8Array,
    appId: string,
    over: { header?: Record<string, unknown>; claims?: Record<string, unknown>; alg?: string } = {},
  ) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ jti: randomUUID(), ...over.claims })
      .setProtectedHeader({ alg: over.alg ?? 'RS256', typ: 'JWT', ...over.header } as never)
      .setIssuer(appId)
      .setSubject(appId)
      .setAudience(tokenEndpoint)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + 600)
      .sign(key);
  };
  const ask = async (clientAssertion: string, extra: Record<string, string> = {}) => {
    const response = await fetch(tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        scope: 'urn:warden:graph/.default',
        client_assertion_type: ASSERTION_TYPE,
        client_assertion: clientAssertion,
        ...extra,
      }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const refusedWith = (answer: { status: number; body: Record<string, unknown> }, code: number) => {
    assert.equal(answer.status, 401, JSON.stringify(answer.body));
    assert.equal(answer.body.error, 'invalid_client');
    assert.deepEqual(answer.body.error_codes, [code], JSON.stringify(answer.body));
    assert.match(String(answer.body.error_description), new RegExp(`^AADSTS${code}: `));
  };

  it('OIDC Discovery: the token endpoint advertises exactly the methods that work, and the algorithms', async () => {
    const discovery = (await (
      await fetch(`${w.issuer('contoso')}/.well-known/openid-configuration`)
    ).json()) as Record<string, string[]>;
    assert.deepEqual([...discovery.token_endpoint_auth_methods_supported!].sort(), [
      'client_secret_basic',
      'client_secret_jwt',
      'client_secret_post',
      'none',
      'private_key_jwt',
    ]);
    assert.deepEqual([...discovery.token_endpoint_auth_signing_alg_values_supported!].sort(), [
      'ES256',
      'HS256',
      'PS256',
      'RS256',
    ]);
  });

  it('Graph keyCredentials: a PATCHed certificate is listed without its key, customKeyIdentifier = SHA-1 thumbprint (hex, upper case), dates from the certificate', async () => {
    const got = await callApi(w, 'GET', `/v1.0/applications/${app.id}`, { token: admin });
    assert.equal(got.status, 200);
    const [credential, ...more] = got.body.keyCredentials;
    assert.equal(more.length, 0);
    assert.equal(credential.customKeyIdentifier, cert.sha1Hex);
    assert.equal(credential.key, null);
    assert.equal(credential.type, 'AsymmetricX509Cert');
    assert.equal(credential.usage, 'Verify');
    assert.equal(credential.displayName, 'cert 1');
    assert.match(credential.keyId, /^[0-9a-f-]{36}$/);
    const span = Date.parse(credential.endDateTime) - Date.parse(credential.startDateTime);
    assert.ok(Math.abs(span - 30 * 86_400_000) < 2000, `validity ${span}`);
    assert.ok(!JSON.stringify(got.body).includes(cert.der.slice(0, 64)), 'the certificate is not returned');
    const refused = await callApi(w, 'PATCH', `/v1.0/applications/${app.id}`, {
      token: admin,
      body: { keyCredentials: [{ type: 'AsymmetricX509Cert', usage: 'Verify', key: 'bm90IGEgY2VydA==' }] },
    });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.code, 'Request_BadRequest');
  });

  it('RFC 7523 §2.2: an assertion signed by the certificate’s key with x5t (RS256) or x5t#S256 (PS256) authenticates the app', async () => {
    for (const [alg, header] of [
      ['RS256', { x5t: cert.x5t }],
      ['PS256', { 'x5t#S256': cert.x5tS256 }],
    ] as const) {
      const answer = await ask(await assertion(cert.privateKey, app.appId, { alg, header }));
      assert.equal(answer.status, 200, `${alg} ${JSON.stringify(answer.body)}`);
      const claims = decodeJwt(String(answer.body.access_token));
      assert.equal(claims.appid, app.appId);
      assert.equal(claims.appidacr, '1');
      assert.deepEqual(claims.roles, ['User.Read.All']);
    }
  });

  it('RFC 7523 §3: a jti is accepted once (AADSTS700027), also when the same assertion arrives several times at once', async () => {
    const once = await assertion(cert.privateKey, app.appId, { header: { x5t: cert.x5t } });
    assert.equal((await ask(once)).status, 200);
    refusedWith(await ask(once), 700027);
    const raced = await assertion(cert.privateKey, app.appId, { header: { x5t: cert.x5t } });
    const answers = await Promise.all(Array.from({ length: 6 }, () => ask(raced)));
    assert.equal(
      answers.filter((a) => a.status === 200).length,
      1,
      JSON.stringify(answers.map((a) => a.status)),
    );
  });

  it('AADSTS700027: an unknown thumbprint, a key that is not the certificate’s, alg none and HS256 are refused for a certificate client', async () => {
    const stranger = makeClientCertificate(30);
    refusedWith(
      await ask(await assertion(stranger.privateKey, app.appId, { header: { x5t: stranger.x5t } })),
      700027,
    );
    // The header names the registered certificate, but another key signed.
    refusedWith(
      await ask(await assertion(stranger.privateKey, app.appId, { header: { x5t: cert.x5t } })),
      700027,
    );
    const unsigned = (await assertion(cert.privateKey, app.appId, { header: { x5t: cert.x5t } }))
      .split('.')
      .slice(0, 2);
    unsigned[0] = Buffer.from(JSON.stringify({ alg: 'none', x5t: cert.x5t })).toString('base64url');
    refusedWith(await ask(`${unsigned.join('.')}.`), 700027);
    const hmac = await assertion(new TextEncoder().encode('x'.repeat(32)), app.appId, { alg: 'HS256' });
    refusedWith(await ask(hmac), 700027);
  });

  it('AADSTS700024 / 700023: an expired assertion, one for another audience', async () => {
    const signed = (audience: string, expiresAt: number) =>
      new SignJWT({ jti: randomUUID() })
        .setProtectedHeader({ alg: 'RS256', x5t: cert.x5t } as never)
        .setIssuer(app.appId)
        .setSubject(app.appId)
        .setAudience(audience)
        .setIssuedAt(expiresAt - 600)
        .setExpirationTime(expiresAt)
        .sign(cert.privateKey);
    const now = Math.floor(Date.now() / 1000);
    refusedWith(await ask(await signed(tokenEndpoint, now - 3600)), 700024);
    refusedWith(await ask(await signed('https://elsewhere.example/token', now + 600)), 700023);
  });

  it('RFC 7523 §2.2 client_secret_jwt: an HS256 assertion signed with either of two secrets authenticates; a wrong secret is AADSTS700027, a wrong client_secret AADSTS7000215', async () => {
    const secrets = [];
    for (const name of ['one', 'two']) {
      const added = await callApi(w, 'POST', `/v1.0/applications/${app.id}/addPassword`, {
        token: admin,
        body: { passwordCredential: { displayName: name } },
      });
      secrets.push(String(added.body.secretText));
    }
    for (const secret of secrets) {
      const answer = await ask(
        await assertion(new TextEncoder().encode(secret), app.appId, { alg: 'HS256' }),
      );
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(decodeJwt(String(answer.body.access_token)).appid, app.appId);
    }
    refusedWith(
      await ask(await assertion(new TextEncoder().encode(`${secrets[0]}x`), app.appId, { alg: 'HS256' })),
      700027,
    );
    const wrongSecret = await fetch(tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        scope: 'urn:warden:graph/.default',
        client_id: app.appId,
        client_secret: `${secrets[1]}x`,
      }),
    });
    refusedWith(
      { status: wrongSecret.status, body: (await wrongSecret.json()) as Record<string, unknown> },
      7000215,
    );
  });

  it('Warden’s clock: a certificate past its end date is refused (AADSTS700027); a certificate still valid keeps working', async () => {
    const fresh = makeClientCertificate(90);
    const both = await registerCertificateApp(w, admin, [cert, fresh], 'Two certificates');
    w.clock.advance(31 * 86_400_000);
    const expired = await ask(await assertion(cert.privateKey, both.appId, { header: { x5t: cert.x5t } }));
    refusedWith(expired, 700027);
    assert.match(String(expired.body.error_description), /expired/);
    const valid = await ask(
      await assertion(fresh.privateKey, both.appId, { header: { 'x5t#S256': fresh.x5tS256 }, alg: 'PS256' }),
    );
    assert.equal(valid.status, 200, JSON.stringify(valid.body));
  });
});
