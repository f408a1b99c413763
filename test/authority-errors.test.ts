import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startWarden, type TestWarden } from './support/harness.ts';

/** Row counts of every table a protocol request could write. */
async function footprint(w: TestWarden): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of ['oidc_payloads', 'sign_in_flows', 'sign_ins', 'throttles'] as const) {
    const row = await w.ctx.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    out[table] = Number(row.n);
  }
  return out;
}

describe('RFC 6749 §4.1.2.1: authority errors are a clear error, never a redirect to an unregistered URI, nothing written', () => {
  let w: TestWarden;
  let contoso: string;
  before(async () => {
    w = await startWarden();
    contoso = `${w.baseUrl}/${w.demo.tenants.contoso!.id}`;
  });
  after(() => w.stop());

  const goodParams = () => ({
    client_id: 'warden-cli',
    response_type: 'code',
    redirect_uri: 'http://localhost:53682/',
    scope: 'openid',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
    state: 'abc',
  });

  async function authorize(params: Record<string, string>, base = contoso) {
    return fetch(`${base}/oauth2/v2.0/authorize?${new URLSearchParams(params)}`, { redirect: 'manual' });
  }

  it('OIDC Discovery §4: the authority is reachable by tenant id and by verified domain, with the tenant-id issuer (SPEC §3)', async () => {
    for (const segment of [w.demo.tenants.contoso!.id, 'contoso.example']) {
      const response = await fetch(`${w.baseUrl}/${segment}/v2.0/.well-known/openid-configuration`);
      assert.equal(response.status, 200);
      const doc = (await response.json()) as { issuer: string; token_endpoint: string };
      assert.equal(doc.issuer, `${w.baseUrl}/${w.demo.tenants.contoso!.id}/v2.0`);
      assert.equal(doc.token_endpoint, `${contoso}/oauth2/v2.0/token`);
    }
  });

  it('AADSTS90002: an unknown tenant gets invalid_tenant on every authority path', async () => {
    const before = await footprint(w);
    for (const path of [
      '/v2.0/.well-known/openid-configuration',
      '/oauth2/v2.0/authorize?client_id=warden-cli',
      '/discovery/v2.0/keys',
    ]) {
      const response = await fetch(`${w.baseUrl}/nowhere.example${path}`, { redirect: 'manual' });
      assert.equal(response.status, 400, path);
      const body = (await response.json()) as { error: string; error_codes: number[] };
      assert.equal(body.error, 'invalid_tenant');
      assert.deepEqual(body.error_codes, [90002]);
    }
    assert.deepEqual(await footprint(w), before);
  });

  it('RFC 6749 §4.1.2.1: an unregistered redirect URI gets an error page, not a redirect', async () => {
    const before = await footprint(w);
    for (const redirect_uri of [
      'https://evil.example/cb',
      'http://localhost.evil.example/',
      'http://127.0.0.2/',
    ]) {
      const response = await authorize({ ...goodParams(), redirect_uri });
      assert.equal(response.status, 400, redirect_uri);
      assert.equal(response.headers.get('location'), null);
      assert.match(await response.text(), /invalid_redirect_uri/);
    }
    assert.deepEqual(await footprint(w), before);
  });

  it('RFC 6749 §4.1.2.1: an unknown client gets an error page, not a redirect', async () => {
    const before = await footprint(w);
    const response = await authorize({ ...goodParams(), client_id: 'no-such-client' });
    assert.equal(response.status, 400);
    assert.equal(response.headers.get('location'), null);
    assert.match(await response.text(), /invalid_client/);
    assert.deepEqual(await footprint(w), before);
  });

  it('RFC 7636 §4.4.1: a missing PKCE challenge is invalid_request, returned to the registered redirect URI', async () => {
    const before = await footprint(w);
    const { code_challenge: _c, code_challenge_method: _m, ...params } = goodParams();
    const response = await authorize(params);
    assert.equal(response.status, 303);
    const location = new URL(response.headers.get('location')!);
    assert.equal(location.origin, 'http://localhost:53682');
    assert.equal(location.searchParams.get('error'), 'invalid_request');
    assert.match(location.searchParams.get('error_description')!, /PKCE/);
    assert.deepEqual(await footprint(w), before);
  });

  it('RFC 7636 §4.2: the plain challenge method is refused (S256 only)', async () => {
    const response = await authorize({ ...goodParams(), code_challenge_method: 'plain' });
    const location = new URL(response.headers.get('location')!);
    assert.equal(location.searchParams.get('error'), 'invalid_request');
  });

  it('RFC 9700 §2.1.2: the implicit flow is not offered', async () => {
    const before = await footprint(w);
    const response = await authorize({ ...goodParams(), response_type: 'token' });
    const location = new URL(response.headers.get('location')!);
    // The error comes back the way a token response would have: in the fragment.
    assert.equal(new URLSearchParams(location.hash.slice(1)).get('error'), 'unsupported_response_type');
    assert.deepEqual(await footprint(w), before);
  });

  it('RFC 6749 §5.2: malformed token requests get OAuth errors as JSON', async () => {
    const before = await footprint(w);
    const cases: [Record<string, string>, number, string][] = [
      [{}, 400, 'invalid_request'],
      [{ grant_type: 'authorization_code', client_id: 'warden-cli' }, 400, 'invalid_request'],
      [
        {
          grant_type: 'authorization_code',
          client_id: 'warden-cli',
          code: 'forged',
          redirect_uri: 'http://localhost:1/',
          code_verifier: 'x'.repeat(43),
        },
        400,
        'invalid_grant',
      ],
      [
        { grant_type: 'refresh_token', client_id: 'warden-cli', refresh_token: 'forged' },
        400,
        'invalid_grant',
      ],
      // SPEC E3: non-interactive password sign-in (ROPC) never gets a token: AADSTS50076 (docs/ropc.md).
      [
        { grant_type: 'password', client_id: 'warden-cli', username: 'jane@contoso.example', password: 'x' },
        400,
        'invalid_grant',
      ],
      [{ grant_type: 'client_credentials', client_id: 'nobody', client_secret: 'x' }, 401, 'invalid_client'],
    ];
    for (const [form, status, error] of cases) {
      const response = await fetch(`${contoso}/oauth2/v2.0/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form),
      });
      assert.equal(response.status, status, JSON.stringify(form));
      assert.equal(((await response.json()) as { error: string }).error, error, JSON.stringify(form));
    }
    const after = await footprint(w);
    // A failed refresh attempt is itself a (non-interactive) sign-in row; nothing else is written.
    assert.deepEqual({ ...after, sign_ins: before.sign_ins }, before);
  });

  it('OIDC RP-Initiated Logout: without a session the confirmation posts itself, on Warden’s page with no script hash', async () => {
    const response = await fetch(`${contoso}/oauth2/v2.0/logout`);
    assert.equal(response.status, 200);
    assert.match(await response.text(), /action="[^"]+\/oauth2\/v2\.0\/logout\/confirm"/);
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline/);
  });

  it('Operations: an unknown sign-in page is a 400 page, not a crash', async () => {
    const response = await fetch(`${contoso}/login/not-an-interaction`);
    assert.equal(response.status, 400);
  });
});
