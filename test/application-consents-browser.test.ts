import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { SAM_APP } from './support/application-consents.ts';
import { launchChromium } from './support/browser.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { freshCode } from './support/oidc.ts';

/** The customer removes a partner-consented application in Chromium (reference §3.3). */
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

describe('Reference §3.3: a customer’s Global Administrator sees and removes a partner’s consented app in a browser', () => {
  it('reference §3.3 (demo): Woodgrove’s admin signs in with MFA, reads contoso-sam’s permissions under Contoso, removes it with one click', async () => {
    const upn = 'admin@woodgrove.example';
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${w.baseUrl}/admin/partners`);
    assert.equal(new URL(page.url()).pathname, '/admin/sign-in');
    await page.fill('#email', upn);
    await page.click('button[type=submit]');
    await page.waitForSelector('#password');
    await page.fill('#password', w.demo.password);
    await page.click('button[type=submit]');
    await page.waitForSelector('#code');
    await page.fill('#code', freshCode(w, w.demo.users[upn]!.totpSeed!));
    await page.click('button[type=submit]');
    await page.waitForURL((url) => url.pathname === '/admin/partners');

    const row = page.locator(`tr[data-app="${SAM_APP}"]`);
    assert.equal(
      await row.locator('[data-testid=app-name]').textContent(),
      'Contoso partner automation (SAM)',
    );
    assert.equal(await row.locator('[data-testid=consented-by]').textContent(), 'jane@contoso.example');
    assert.deepEqual(await row.locator('[data-scope]').allTextContents(), [
      'User.Read.All',
      'Directory.Read.All',
    ]);
    assert.equal(
      await page.locator(`section[data-partner="${w.demo.tenants.contoso!.id}"] h3`).textContent(),
      'Contoso',
    );

    await row.locator('[data-testid=remove-app]').click();
    await page.waitForSelector('[data-testid=no-consented-apps]');
    assert.equal(new URL(page.url()).pathname, '/admin/partners');
    const left = await w.ctx.db
      .selectFrom('service_principals')
      .select('app_id')
      .where('tenant_id', '=', w.demo.tenants.woodgrove!.id)
      .execute();
    assert.deepEqual(left, []);
  });
});
