import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/browser.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { freshCode, redeem, signIn, startAuthorization } from './support/oidc.ts';
import { makeUser } from './support/users.ts';

/** Issue 15 item 3: the Security info page end to end in Chromium. */
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

const methodRows = (page: Page) => page.locator('[data-testid=methods] tbody tr');

/** Password, then the authenticator code, at the tenant's authority. */
async function signInAtAuthority(page: Page, upn: string, password: string, seed: string): Promise<void> {
  await page.waitForSelector('#password');
  if (await page.isVisible('#username')) await page.fill('#username', upn);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('#code');
  await page.fill('#code', freshCode(w, seed));
  await page.click('button[type=submit]');
}

describe('Issue 15 item 3: Security info in Chromium', () => {
  it('Issue 15 item 3: sign in with password + TOTP, list, add, rename and remove an authenticator app, regenerate codes, change the password (old refresh token refused), and a change after 11 minutes asks for MFA again', async () => {
    const user = await makeUser(w, { name: 'secinfo', totp: true });
    const seed = user.totpSeed!;
    // A refresh chain of the user's from before, which the password change must end.
    const start = await startAuthorization(w, 'contoso');
    const { callback } = await signIn(w, start, { upn: user.upn, totpSeed: seed });
    const tokens = await redeem(start, callback);
    assert.ok(tokens.refresh_token);

    const context = await browser.newContext();
    const page = await context.newPage();
    const path = `/${user.tenantId}/security-info`;
    await page.goto(`${w.baseUrl}${path}`);
    assert.notEqual(new URL(page.url()).pathname, path, 'not signed in: sent to the authority');
    await signInAtAuthority(page, user.upn, user.password, seed);
    await page.waitForURL(`${w.baseUrl}${path}`);
    assert.equal(await page.textContent('h1'), 'Security info');
    assert.equal(await methodRows(page).count(), 1);
    assert.match((await page.textContent('[data-testid=recent-sign-ins]')) ?? '', /Success/);

    // Add a second authenticator app: QR + key, confirmed by its first code.
    await page.click('form:has(input[value=add_app_begin]) button');
    await page.waitForSelector('img.qr');
    const second = ((await page.textContent('code.secret')) ?? '').trim();
    await page.fill('#code', freshCode(w, second));
    await page.click('form:has(input[value=add_app_confirm]) button');
    await page.waitForSelector('[data-testid=notice]');
    assert.equal(await methodRows(page).count(), 2);

    // Rename it…
    const row = methodRows(page).nth(1);
    const id = await row.getAttribute('data-method-id');
    await row.locator('input[name=displayName]').fill('Work phone');
    await row.locator('form.rename button').click();
    await page.waitForSelector('[data-testid=notice]');
    assert.equal(await page.textContent(`tr[data-method-id="${id}"] td.name`), 'Work phone');

    // …and remove it.
    await page.locator(`tr[data-method-id="${id}"] form.remove button`).click();
    await page.waitForSelector('[data-testid=notice]');
    assert.equal(await methodRows(page).count(), 1);
    assert.equal(await page.locator(`tr[data-method-id="${id}"]`).count(), 0);

    // Regenerate recovery codes: ten, shown once.
    await page.click('form:has(input[value=regenerate_codes]) button');
    await page.waitForSelector('ul.codes');
    assert.equal(await page.locator('ul.codes li').count(), 10);
    assert.equal(await page.textContent('[data-testid=recovery-codes-left]'), '10');
    await page.goto(`${w.baseUrl}${path}`);
    assert.equal(await page.locator('ul.codes').count(), 0, 'the codes are not shown again');

    // Change the password: the old refresh chain ends, this browser stays signed in.
    const newPassword = 'Correct-Horse-Battery-42-staple';
    await page.fill('#current-password', user.password);
    await page.fill('#new-password', newPassword);
    await page.fill('#confirm-password', newPassword);
    await page.click('form.password button');
    await page.waitForSelector('[data-testid=notice]');
    assert.match((await page.textContent('[data-testid=notice]')) ?? '', /Password changed/);
    await assert.rejects(
      client.refreshTokenGrant(start.config, tokens.refresh_token!),
      (e: unknown) => (e as { error?: string }).error === 'invalid_grant',
    );

    // Fresh MFA: 11 minutes on, a change sends the browser through the authority again.
    w.clock.advance(11 * 60_000);
    await page.click('form:has(input[value=regenerate_codes]) button');
    await page.waitForSelector('#password');
    assert.notEqual(new URL(page.url()).pathname, path);
    await signInAtAuthority(page, user.upn, newPassword, seed);
    await page.waitForURL(`${w.baseUrl}${path}`);
    assert.equal(await page.textContent('h1'), 'Security info');
    await context.close();
  });

  it('Issue 15 items 1, 3: a passkey is added from Security info with the virtual authenticator (listed, audited); more than 5 minutes after the MFA an add sends the user to sign in again first', async () => {
    const user = await makeUser(w, { name: 'secinfokey', totp: true });
    const context = await browser.newContext();
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const options = {
      protocol: 'ctap2' as const,
      transport: 'internal' as const,
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    };
    await cdp.send('WebAuthn.addVirtualAuthenticator', { options });
    const path = `/${user.tenantId}/security-info`;
    await page.goto(`${w.baseUrl}${path}`);
    await signInAtAuthority(page, user.upn, user.password, user.totpSeed!);
    await page.waitForURL(`${w.baseUrl}${path}`);
    await page.click('form[data-passkey=register] button[data-passkey-start]');
    await page.waitForSelector('[data-testid=notice]');
    assert.equal(await methodRows(page).count(), 2);
    const keys = await w.ctx.db
      .selectFrom('passkey_credentials')
      .select(['id', 'device_type'])
      .where('tenant_id', '=', user.tenantId)
      .where('user_id', '=', user.id)
      .execute();
    assert.equal(keys.length, 1);
    const audit = await w.ctx.db
      .selectFrom('audit_events')
      .select('details')
      .where('tenant_id', '=', user.tenantId)
      .where('target_id', '=', user.id)
      .where('activity', '=', 'User registered security info')
      .execute();
    assert.ok(audit.some((e) => JSON.parse(e.details).method === 'passkey'));

    // Six minutes on, the add is refused before any key is looked at: the form (sent as the page's
    // script would send it) takes the browser through the authority for a fresh MFA first.
    w.clock.advance(6 * 60_000);
    const toAuthority = page.waitForRequest((request) => request.url().includes('/oauth2/v2.0/authorize'));
    await page.evaluate(() => {
      const form = document.querySelector<HTMLFormElement>('form[data-passkey=register]')!;
      form.querySelector<HTMLInputElement>('input[name=credential]')!.value = '{}';
      form.submit();
    });
    const authorize = new URL((await toAuthority).url());
    assert.equal(authorize.searchParams.get('max_age'), '300', 'a sign-in within 5 minutes is asked for');
    assert.equal(authorize.searchParams.get('amr_values'), 'mfa');
    const count = await w.ctx.db
      .selectFrom('passkey_credentials')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('tenant_id', '=', user.tenantId)
      .where('user_id', '=', user.id)
      .executeTakeFirstOrThrow();
    assert.equal(Number(count.n), 1, 'nothing added on a stale MFA');
    await context.close();
  });
});
