import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.ts';
import { PARTNER_API } from '../src/tokens/audiences.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { demoClient } from './support/tokens.ts';

/**
 * Issue 16 item 1: behind haproxy (deploy/haproxy.cfg) every connection comes from the balancer.
 * Warden takes the client's address from X-Forwarded-For only when the peer is a proxy it was told
 * to trust, and then only the hop that proxy added; anyone else's X-Forwarded-* is dropped.
 */

const CLIENT = '203.0.113.7';
/** What a client sent itself, before the proxy appended the address it saw. */
const FORGED = '198.51.100.9';

/** The address the authority's sign-in log and the Partner API's request log recorded, and the cookies' Secure flag. */
async function recordedAddresses(w: TestWarden, headers: Record<string, string>) {
  const contoso = w.demo.tenants.contoso!.id;
  const automation = demoClient(w, 'contoso-automation')!;
  // The authority's side (oidc-provider): the service principal's sign-in log row.
  const issued = await fetch(`${w.baseUrl}/${contoso}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: automation.clientId,
      client_secret: automation.clientSecret ?? '',
      scope: `${PARTNER_API}/.default`,
    }),
  });
  assert.equal(issued.status, 200);
  const { access_token: token } = (await issued.json()) as { access_token: string };
  await w.ctx.servicePrincipalSignIns.flush();
  const signIn = await w.ctx.db
    .selectFrom('service_principal_sign_ins')
    .select('ip_address')
    .where('tenant_id', '=', contoso)
    .orderBy('created_at', 'desc')
    .executeTakeFirstOrThrow();
  // Fastify's side: the Partner API's request-log row.
  const api = await fetch(`${w.baseUrl}/v1/customers`, {
    headers: { authorization: `Bearer ${token}`, ...headers },
  });
  assert.equal(api.status, 200);
  const row = await w.ctx.db
    .selectFrom('request_log')
    .select('ip_address')
    .where('correlation_id', '=', api.headers.get('ms-correlationid')!)
    .executeTakeFirstOrThrow();
  // The authority's cookies are Secure when the proxy says the client came over https.
  const authorize = await fetch(
    `${w.baseUrl}/${contoso}/oauth2/v2.0/authorize?${new URLSearchParams({
      client_id: 'warden-cli',
      response_type: 'code',
      redirect_uri: 'http://localhost:53682/',
      scope: 'openid',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    })}`,
    { headers, redirect: 'manual' },
  );
  const cookies = authorize.headers.getSetCookie();
  assert.ok(cookies.length > 0, 'the authorization request sets its interaction cookie');
  return {
    authority: signIn.ip_address,
    partnerApi: row.ip_address,
    secureCookies: cookies.every((c) => /;\s*secure/i.test(c)),
  };
}

describe('Operations: X-Forwarded-For and X-Forwarded-Proto behind a trusted proxy', () => {
  let trusting: TestWarden;
  let plain: TestWarden;
  before(async () => {
    trusting = await startWarden({ env: { WARDEN_TRUSTED_PROXIES: '10.0.0.0/8, 127.0.0.1' } });
    plain = await startWarden();
  });
  after(async () => {
    await trusting?.stop();
    await plain?.stop();
  });
  const forwarded = { 'x-forwarded-for': `${FORGED}, ${CLIENT}`, 'x-forwarded-proto': 'https' };

  test('Operations: from a trusted proxy the logs record the client address it added (its last hop, not what the client forged) on the authority and the Partner API, and the authority’s cookies are Secure for https', async () => {
    assert.deepEqual(await recordedAddresses(trusting, forwarded), {
      authority: CLIENT,
      partnerApi: CLIENT,
      secureCookies: true,
    });
    // A proxy's own request (a health check) has no X-Forwarded-For: its address is the peer's.
    assert.deepEqual(await recordedAddresses(trusting, {}), {
      authority: '127.0.0.1',
      partnerApi: '127.0.0.1',
      secureCookies: false,
    });
  });

  test('Operations: without WARDEN_TRUSTED_PROXIES, or from a peer not named in it, X-Forwarded-For and -Proto are ignored', async () => {
    assert.deepEqual(await recordedAddresses(plain, forwarded), {
      authority: '127.0.0.1',
      partnerApi: '127.0.0.1',
      secureCookies: false,
    });
    const elsewhere = await startWarden({ env: { WARDEN_TRUSTED_PROXIES: '10.1.2.3,fd00::/8' } });
    try {
      assert.deepEqual(await recordedAddresses(elsewhere, forwarded), {
        authority: '127.0.0.1',
        partnerApi: '127.0.0.1',
        secureCookies: false,
      });
    } finally {
      await elsewhere.stop();
    }
  });

  test('Operations: WARDEN_TRUSTED_PROXIES takes addresses and CIDR ranges only', () => {
    const env = { WARDEN_DATA_DIR: trusting.dataDir };
    assert.deepEqual(loadConfig({ ...env, WARDEN_TRUSTED_PROXIES: ' 10.0.0.0/8 ,::1,' }).trustedProxies, [
      '10.0.0.0/8',
      '::1',
    ]);
    for (const bad of ['haproxy.internal', '10.0.0.0/33', '10.0.0.1/8/1', '*'])
      assert.throws(() => loadConfig({ ...env, WARDEN_TRUSTED_PROXIES: bad }), ConfigError, bad);
  });
});
