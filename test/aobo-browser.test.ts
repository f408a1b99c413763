import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { totpFor } from '../src/authentication-methods/totp.ts';
import { AOBO_GRAPH_SCOPE, graph } from './support/aobo.ts';
import { launchChromium } from './support/browser.ts';
import { GLOBAL_ADMIN } from './support/gdap.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { REDIRECT_URI, redeem, startAuthorization } from './support/oidc.ts';

/**
 * Seed 003's delegated-admin scenario in Chromium (SPEC E3): a partner's Admin agent opens a
 * customer tenant's user administration by signing in at the customer's authority; MFA is demanded
 * though the customer has no MFA policy, and an agent who never registered registers first.
 */
describe('SPEC E3 in a browser: Admin agents sign in at their customers’ authorities', () => {
  let w: TestWarden;
  let browser: Browser;
  before(async () => {
    w = await startWarden();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await w?.stop();
  });

  const submit = (page: Page, action: string) =>
    page.click(`form:has(input[name=action][value="${action}"]) button[type=submit]`);
  const code = (seed: string) => {
    w.clock.advance(30_000);
    return totpFor(seed).generate({ timestamp: w.clock.now() });
  };

  /** Opens the customer's authorize URL; returns the page and a promise of the redirect back. */
  async function open(customerKey: string) {
    const start = await startAuthorization(w, customerKey, { scope: AOBO_GRAPH_SCOPE });
    const page = await (await browser.newContext()).newPage();
    const callback = new Promise<string>((resolve) => {
      page.on('request', (request) => {
        if (request.url().startsWith(REDIRECT_URI)) resolve(request.url());
      });
    });
    // The relying party's listener is not running: the redirect to it is caught, not loaded.
    await page.route(`${REDIRECT_URI}**`, (route) => route.fulfill({ status: 200, body: 'done' }));
    await page.goto(start.url);
    return { start, page, callback };
  }

  async function password(page: Page, upn: string) {
    await page.fill('#username', upn);
    await page.fill('#password', w.demo.password);
    await submit(page, 'password');
  }

  it('seed 003: Jane (Admin agent) opens Northwind: asked for her authenticator although Northwind has no MFA policy, then lists its users', async () => {
    const { start, page, callback } = await open('northwind');
    assert.match((await page.textContent('body')) ?? '', /Northwind Traders/);
    await password(page, 'jane@contoso.example');
    await page.waitForSelector('main[data-step=second_factor]');
    await page.fill('#code', code(w.demo.users['jane@contoso.example']!.totpSeed!));
    await submit(page, 'totp');
    const tokens = await redeem(start, await callback);
    const claims = decodeJwt(tokens.access_token);
    assert.ok((claims.amr as string[]).includes('mfa'));
    assert.deepEqual(claims.wids, [GLOBAL_ADMIN]);
    const users = await graph(w, tokens.access_token, 'GET', '/users');
    assert.equal(users.status, 200);
    assert.ok(
      (users.body.value as { userPrincipalName: string }[]).some(
        (u) => u.userPrincipalName === 'admin@northwind.example',
      ),
    );
  });

  it('seed 003: John of Fabrikam (no MFA policy, no method) must register an authenticator before he reaches Tailspin', async () => {
    const { start, page, callback } = await open('tailspin');
    await password(page, 'john@fabrikam.example');
    await page.waitForSelector('main[data-step=register_method]');
    const secret = ((await page.textContent('code.secret')) ?? '').replace(/\s+/g, '');
    await page.fill('#code', code(secret));
    await submit(page, 'confirm_totp');
    await page.waitForSelector('main[data-step=recovery_codes]');
    await submit(page, 'continue');
    const tokens = await redeem(start, await callback);
    assert.ok((decodeJwt(tokens.access_token).amr as string[]).includes('mfa'));
    assert.equal((await graph(w, tokens.access_token, 'GET', '/users')).status, 200);
  });

  it('reference §2.6: Sam (Sales agent, no access) is told AADSTS50020 on Northwind’s page', async () => {
    const { page } = await open('northwind');
    await password(page, 'sam@contoso.example');
    await page.waitForSelector('main[data-step=blocked]');
    assert.match((await page.textContent('body')) ?? '', /50020/);
  });
});
