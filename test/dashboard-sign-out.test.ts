import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import type { Browser } from 'playwright-core';
import { DASHBOARD_CLIENT_ID } from '../src/dashboard/registration.ts';
import { launchChromium } from './support/browser.ts';
import { dashboardSignIn } from './support/dashboard.ts';
import { startWarden, type TestWarden } from './support/harness.ts';

/**
 * Dashboard sign-out ends the dashboard's session and the authority's (OpenID Connect
 * RP-Initiated Logout 1.0): signing in again asks for the password.
 */
let w: TestWarden;
before(async () => {
  w = await startWarden();
});
after(() => w?.stop());

function hidden(page: string, name: string): string {
  const value = new RegExp(`name="${name}" value="([^"]*)"`).exec(page)?.[1];
  assert.ok(value !== undefined, `no field ${name} on page:\n${page.slice(0, 1500)}`);
  return value;
}

describe('dashboard sign-out over HTTP', () => {
  it('RP-Initiated Logout §2: sign-out sends the browser to the authority with id_token_hint and the registered post_logout_redirect_uri', async () => {
    const { ua } = await dashboardSignIn(w, 'john@fabrikam.example', { mfa: false });
    assert.ok(ua.cookies.has('warden_dashboard_idt'), 'the session keeps its ID token (sealed)');
    await ua.navigate(`${w.baseUrl}/dashboard`);
    const csrf = hidden(ua.lastPage, 'csrf');

    const response = await ua.request(`${w.baseUrl}/dashboard/sign-out`, { form: { csrf } });
    assert.equal(response.status, 303);
    const endSession = new URL(response.headers.get('location') ?? '', w.baseUrl);
    const fabrikam = w.demo.tenants.fabrikam!.id;
    assert.equal(endSession.origin + endSession.pathname, `${w.baseUrl}/${fabrikam}/oauth2/v2.0/logout`);
    assert.equal(
      endSession.searchParams.get('post_logout_redirect_uri'),
      `${w.baseUrl}/dashboard/signed-out`,
    );
    assert.equal(endSession.searchParams.get('client_id'), DASHBOARD_CLIENT_ID);
    const hint = decodeJwt(endSession.searchParams.get('id_token_hint') ?? '');
    assert.equal(hint.aud, DASHBOARD_CLIENT_ID);
    assert.equal(hint.oid, w.demo.users['john@fabrikam.example']!.id);
    assert.ok(!ua.cookies.has('warden_dashboard'), 'the dashboard session cookie is cleared');
    assert.ok(!ua.cookies.has('warden_dashboard_idt'), 'the ID token cookie is cleared');

    // The authority asks (§2), with oidc-provider's anti-CSRF secret; "Yes" ends its session too.
    await ua.navigate(endSession.href);
    assert.match(ua.lastPage, /data-step="logout_confirm"/);
    const confirm = /<form method="post" action="([^"]+)"/.exec(ua.lastPage)![1]!;
    const landed = await ua.navigate(confirm, { form: { xsrf: hidden(ua.lastPage, 'xsrf'), logout: 'yes' } });
    assert.equal(landed, `${w.baseUrl}/dashboard/signed-out`);
    assert.match(ua.lastPage, /data-step="signed_out"/);

    // The dashboard session is gone, and so is the authority's: the password is asked again.
    const page = await ua.request(`${w.baseUrl}/dashboard`);
    assert.equal(page.status, 303);
    assert.match(page.headers.get('location') ?? '', /^\/dashboard\/sign-in\?/);
    await ua.navigate(`${w.baseUrl}/dashboard/sign-in?email=john%40fabrikam.example`);
    assert.equal(ua.title(), 'Sign in');
    assert.match(ua.lastPage, /id="password"/);
  });

  it('RP-Initiated Logout: a sign-out without the session’s CSRF token is refused and ends nothing', async () => {
    const { ua } = await dashboardSignIn(w, 'john@fabrikam.example', { mfa: false });
    const response = await ua.request(`${w.baseUrl}/dashboard/sign-out`, { form: { csrf: 'forged' } });
    assert.equal(response.status, 403);
    const still = await ua.request(`${w.baseUrl}/dashboard`);
    assert.equal(still.status, 200);
  });

  it('RP-Initiated Logout: signing out without a session shows the signed-out page', async () => {
    const response = await fetch(`${w.baseUrl}/dashboard/sign-out`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'csrf=x',
    });
    assert.equal(response.status, 200);
    assert.match(await response.text(), /data-step="signed_out"/);
  });
});

describe('dashboard sign-out in Chromium', () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(() => browser?.close());

  it('RP-Initiated Logout §2–3: Sign out, confirm at the authority, land signed out; signing in again asks for the password', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
    });
    try {
      const signIn = async () => {
        await page.goto(`${w.baseUrl}/dashboard`);
        await page.fill('#email', 'john@fabrikam.example');
        await page.click('button[type=submit]');
        await page.waitForSelector('#password');
        await page.fill('#password', w.demo.password);
        await page.click('button[type=submit]');
        await page.waitForURL(`${w.baseUrl}/dashboard`);
      };
      await signIn();
      assert.match((await page.textContent('[data-testid=signed-in-user]')) ?? '', /john@fabrikam\.example/);

      await page.click('form[action="/dashboard/sign-out"] button');
      await page.waitForSelector('[data-step=logout_confirm]');
      await page.click('button[name=logout][value=yes]');
      await page.waitForURL(`${w.baseUrl}/dashboard/signed-out`);
      assert.ok(await page.isVisible('[data-step=signed_out]'));

      // Back to a protected page: the work account, then the password again (no silent sign-in).
      await signIn();
      assert.deepEqual(violations, []);
    } finally {
      await context.close();
    }
  });
});
