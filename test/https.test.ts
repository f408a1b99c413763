import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startWarden, type TestWarden } from './support/harness.ts';
import { relyingParty } from './support/oidc.ts';
import { appOnlyToken } from './support/tokens.ts';

describe('Operations: HTTPS', () => {
  let w: TestWarden;
  before(async () => {
    w = await startWarden({ tls: true });
  });
  after(() => w.stop());

  test('Operations: with a certificate Warden serves https; issuers and endpoints are https URLs', async () => {
    assert.match(w.baseUrl, /^https:\/\/localhost:\d+$/);
    const config = await relyingParty(w, 'contoso');
    const metadata = config.serverMetadata();
    assert.equal(metadata.issuer, w.issuer('contoso'));
    assert.match(metadata.token_endpoint ?? '', /^https:\/\/localhost:\d+\/.+\/oauth2\/v2\.0\/token$/);
    assert.match(metadata.device_authorization_endpoint ?? '', /\/oauth2\/v2\.0\/devicecode$/);
    assert.ok(await appOnlyToken(w));
    // Plain http on the https port is refused by the TLS server.
    await assert.rejects(fetch(w.baseUrl.replace('https:', 'http:')));
  });

  test('RFC 6265 §4.1.2.5: cookies are Secure under https (oidc-provider and the dashboard)', async () => {
    const start = await fetch(`${w.baseUrl}/dashboard/sign-in?email=jane%40contoso.example`, {
      redirect: 'manual',
    });
    const dashboardCookies = start.headers.getSetCookie();
    assert.ok(dashboardCookies.length > 0, `no cookie from ${start.status}`);
    for (const line of dashboardCookies) assert.match(line, /; Secure/i, line);
    const location = start.headers.get('location')!;
    const authorize = await fetch(new URL(location, w.baseUrl), { redirect: 'manual' });
    const providerCookies = authorize.headers.getSetCookie();
    assert.ok(providerCookies.length > 0, `no cookie from ${authorize.status}`);
    for (const line of providerCookies) assert.match(line, /; secure/i, line);
  });
});
