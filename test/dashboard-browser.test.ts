import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, recordNavigations } from './support/browser.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { freshCode } from './support/oidc.ts';

/** One Warden and one Chromium for the file; each test opens its own browser contexts (sessions). */
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

/** Opens `path` signed out: the work account, then the tenant authority's password page (prefilled). */
async function signInAt(page: Page, path: string, upn: string): Promise<void> {
  await page.goto(`${w.baseUrl}${path}`);
  assert.equal(new URL(page.url()).pathname, '/dashboard/sign-in');
  await page.fill('#email', upn);
  await page.click('button[type=submit]');
  await page.waitForSelector('#password');
  assert.equal(await page.inputValue('#username'), upn, 'the authority page is prefilled with the account');
  await page.fill('#password', w.demo.password);
  await page.click('button[type=submit]');
}

/** Seed 003 "Verification examples" in a real browser (SPEC E1, issue 3 item 5). */
describe('SPEC E1: the dashboard in Chromium, seed 003 examples', () => {
  it('SPEC E1 example 1: Jane (Contoso, MFA) signs in with MFA and opens a protected page without being asked again', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInAt(page, '/dashboard', 'jane@contoso.example');
    await page.waitForSelector('#code');
    await page.fill('#code', freshCode(w, w.demo.users['jane@contoso.example']!.totpSeed!));
    await page.click('button[type=submit]');
    await page.waitForURL(`${w.baseUrl}/dashboard`);
    assert.equal(await page.textContent('[data-testid=mfa-status]'), 'MFA verified');
    assert.match((await page.textContent('[data-testid=signed-in-tenant]')) ?? '', /Contoso/);

    const visited = recordNavigations(page);
    const response = await page.goto(`${w.baseUrl}/commerce/customers`);
    assert.equal(response?.status(), 200);
    assert.equal(await page.textContent('h1'), 'Customers');
    assert.ok(
      visited.every((u) => new URL(u).pathname.startsWith('/commerce/')),
      `no detour through the sign-in pages: ${visited.join(', ')}`,
    );
    assert.ok(await page.isVisible('text=Northwind Traders'));
    await context.close();
  });

  it('SPEC E1 example 3: John (Fabrikam, no MFA) reaches the overview without MFA, registers when he opens a protected page, and lands on it', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInAt(page, '/dashboard', 'john@fabrikam.example');
    await page.waitForURL(`${w.baseUrl}/dashboard`);
    assert.equal(await page.textContent('[data-testid=mfa-status]'), 'Signed in without MFA');

    await page.goto(`${w.baseUrl}/commerce/customers`);
    // Step-up: back at the authority; the password again, then registration (never registered).
    await page.waitForSelector('#password');
    await page.fill('#password', w.demo.password);
    await page.click('button[type=submit]');
    await page.waitForSelector('code.secret');
    const seed = ((await page.textContent('code.secret')) ?? '').replace(/\s+/g, '');
    await page.fill('#code', freshCode(w, seed));
    await page.click('button[type=submit]');
    await page.waitForSelector('ul.codes');
    await page.click('button[type=submit]');
    await page.waitForURL(`${w.baseUrl}/commerce/customers`);
    assert.equal(await page.textContent('h1'), 'Customers');
    assert.equal(await page.textContent('[data-testid=mfa-status]'), 'MFA verified');
    assert.ok(await page.isVisible('text=Tailspin Toys'));
    await context.close();

    // "Another day": a new browser session reaches the overview without an MFA prompt.
    const nextDay = await browser.newContext();
    const again = await nextDay.newPage();
    await signInAt(again, '/dashboard', 'john@fabrikam.example');
    await again.waitForURL(`${w.baseUrl}/dashboard`);
    assert.equal(await again.textContent('[data-testid=mfa-status]'), 'Signed in without MFA');
    await nextDay.close();
  });
});

describe('SPEC E1: the dashboard in Chromium, the matrix, one row per area', () => {
  /** Signs in from the protected page itself and registers an authenticator on the way (none of these users has one). */
  async function openAs(upn: string, path: string): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    await signInAt(page, path, upn);
    await page.waitForSelector('main[data-step=register_offer], main[data-step=register_method]');
    if ((await page.getAttribute('main', 'data-step')) === 'register_offer') {
      await page.click('form:has(input[value=begin_registration]) button');
    }
    await page.waitForSelector('code.secret');
    const seed = ((await page.textContent('code.secret')) ?? '').replace(/\s+/g, '');
    await page.fill('#code', freshCode(w, seed));
    await page.click('button[type=submit]');
    await page.waitForSelector('ul.codes');
    await page.click('button[type=submit]');
    await page.waitForURL((url) => url.pathname === path);
    return page;
  }

  const rows: [upn: string, path: string, status: number, heading: string][] = [
    ['sam@contoso.example', '/commerce/customers', 200, 'Customers'],
    ['hal@contoso.example', '/dashboard/support/customers', 200, 'Customer requests'],
    ['bill@contoso.example', '/dashboard/billing', 200, 'Billing'],
    ['sky@contoso.example', '/dashboard/billing', 403, 'You do not have access to this page'],
  ];
  for (const [upn, path, status, heading] of rows) {
    it(`SPEC E1: ${upn} opening ${path} gets ${status}`, async () => {
      const page = await openAs(upn, path);
      assert.equal(new URL(page.url()).pathname, path);
      assert.equal(await page.textContent('h1'), heading);
      assert.equal(await page.textContent('[data-testid=mfa-status]'), 'MFA verified');
      if (status === 403) {
        assert.match(
          (await page.textContent('[data-testid=forbidden-roles]')) ?? '',
          /Admin agent, Global admin, Billing admin/,
        );
        // …while the Security workspace, Sky's own area, opens in the same session.
        const own = await page.goto(`${w.baseUrl}/dashboard/security`);
        assert.equal(own?.status(), 200);
      }
      await page.context().close();
    });
  }
});
