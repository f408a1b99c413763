import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { totpFor } from '../src/authentication-methods/totp.ts';
import { launchChromium } from './support/browser.ts';
import { CliUser } from './support/cli.ts';
import { answerConfirmation, enterUserCode } from './support/device.ts';
import {
  ADMIN_PASSWORD,
  activationStatus,
  type OnboardingReport,
  type ProductionInstall,
  type ProductionServer,
  productionInstall,
} from './support/production.ts';
import { UserAgent } from './support/user-agent.ts';

// README "Run in production" end to end: the server starts on an empty database, warden init and
// tenants create run beside it, and the new administrators follow their links in Chromium.

let install: ProductionInstall;
let server: ProductionServer;
let operator: OnboardingReport;
let partner: OnboardingReport;
let browser: Browser;
before(async () => {
  install = await productionInstall();
  // The server runs before warden init, as on a real first install: no restart afterwards.
  server = await install.startServer();
  operator = await install.onboard([
    'init',
    '--domain',
    'ops.example',
    '--admin',
    'admin@ops.example',
    '--name',
    'Example Operations',
  ]);
  partner = await install.onboard([
    'tenants',
    'create',
    '--kind',
    'partner',
    '--domain',
    'contoso.example',
    '--admin',
    'jane@contoso.example',
    '--name',
    'Contoso',
  ]);
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await install?.cleanup();
});

describe('Operations: the first administrators follow their links in Chromium to the dashboard', () => {
  function code(seed: string): string {
    server.clock.advance(30_000); // RFC 6238 §5.2: a fresh step, each code is accepted once
    return totpFor(seed).generate({ timestamp: server.clock.now() });
  }

  /** Link → password → the pass shown once → sign-in with it → required registration (skip refused) → dashboard. */
  async function activateInBrowser(report: OnboardingReport): Promise<{ page: Page; seed: string }> {
    const upn = report.admin.userPrincipalName;
    const page = await (await browser.newContext()).newPage();
    await page.goto(report.activationUrl);
    assert.equal(await page.getAttribute('main[data-step]', 'data-step'), 'activate');
    await page.fill('#new-password', 'Password1!');
    await page.fill('#confirm-password', 'Password1!');
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-code=password_rejected]');

    await page.fill('#new-password', ADMIN_PASSWORD);
    await page.fill('#confirm-password', ADMIN_PASSWORD);
    await page.click('button[type=submit]');
    // Issue 15 item 2: the activation gives a one-time Temporary Access Pass, shown once; the
    // first registration needs it instead of the password.
    await page.waitForSelector('main[data-step=activated]');
    const pass = (await page.textContent('[data-testid=temporary-access-pass]')) ?? '';
    assert.match(pass, /^[a-z2-9]{16}$/);
    // On to the dashboard's sign-in, which goes to the tenant's authority with the account filled in.
    await page.click('[data-testid=continue-sign-in]');
    await page.waitForSelector('#password');
    assert.equal(await page.inputValue('#username'), upn);
    await page.click('summary:has-text("Temporary Access Pass")');
    assert.equal(await page.inputValue('#tap-username'), upn);
    await page.fill('#temporary-access-pass', pass);
    await page.click('form:has(input[value=temporary_access_pass]) button[type=submit]');

    // A Global Administrator under security defaults must register: no skip offered…
    await page.waitForSelector('code.secret');
    assert.equal(await page.getAttribute('main', 'data-step'), 'register_method');
    assert.equal(await page.locator('input[name=action][value=skip_registration]').count(), 0);
    // …and a forged skip is refused: the page stays on registration.
    await page
      .locator('form:has(input[value=confirm_totp]) input[name=action]')
      .evaluate((input) => ((input as HTMLInputElement).value = 'skip_registration'));
    await page.click('form:has(input[name=action]) button[type=submit]');
    await page.waitForSelector('#form-error');
    assert.equal(await page.getAttribute('main', 'data-step'), 'register_method');
    const seed = ((await page.textContent('code.secret')) ?? '').replace(/\s+/g, '');

    await page.fill('#code', code(seed));
    await page.click('form:has(input[value=confirm_totp]) button[type=submit]');
    await page.waitForSelector('ul.codes');
    await page.click('button[type=submit]');
    await page.waitForURL(`${install.baseUrl}/dashboard`);
    assert.equal(await page.textContent('[data-testid=mfa-status]'), 'MFA verified');
    assert.match(
      (await page.textContent('[data-testid=signed-in-user]')) ?? '',
      new RegExp(upn.replace('.', '\\.')),
    );
    assert.deepEqual((await activationStatus(report.activationUrl)).code, 'link_used');
    return { page, seed };
  }

  test("Operations: the operator's first Global Administrator sets a password, must register TOTP (no skip), and lands on the dashboard, with no server restart after warden init", async () => {
    const { page } = await activateInBrowser(operator);
    assert.match((await page.textContent('[data-testid=signed-in-tenant]')) ?? '', /Example Operations/);
    assert.match((await page.textContent('[data-testid=roles]')) ?? '', /Global admin/);
    const methods = await server.ctx.db
      .selectFrom('auth_methods')
      .select('kind')
      .where('tenant_id', '=', operator.tenant.id)
      .where('user_id', '=', operator.admin.id)
      .execute();
    assert.deepEqual(
      methods.map((m) => m.kind),
      ['totp'],
    );
    await page.context().close();
  });

  test("Operations: a partner's first administrator lands on the dashboard as Admin agent and Global admin and opens Customers", async () => {
    const { page } = await activateInBrowser(partner);
    assert.match((await page.textContent('[data-testid=roles]')) ?? '', /Admin agent/);
    assert.match((await page.textContent('[data-testid=roles]')) ?? '', /Global admin/);
    const customers = await page.goto(`${install.baseUrl}/commerce/customers`);
    assert.equal(customers?.status(), 200);
    assert.equal(await page.textContent('h1'), 'Customers');
    await page.context().close();
  });

  test("Operations: after warden init, warden login (device code) signs the operator's administrator in with MFA", async () => {
    const seed = await server.ctx.db
      .selectFrom('auth_methods')
      .select('secret_sealed')
      .select('id')
      .where('tenant_id', '=', operator.tenant.id)
      .executeTakeFirstOrThrow();
    const totp = server.ctx.secrets.open(seed.secret_sealed, `totp:${operator.tenant.id}:${seed.id}`);
    const user = new CliUser(install.baseUrl);
    try {
      const login = user.start(['login', '--tenant', 'ops.example', '--device-code']);
      const [, uri, userCode] = await login.waitForStderr(
        /open (\S+) in a browser on any device and enter the code (\S+)/,
      );
      const ua = new UserAgent();
      await enterUserCode(ua, uri!, userCode!);
      await answerConfirmation(ua, 'continue');
      await ua.submit('password', { username: 'admin@ops.example', password: ADMIN_PASSWORD });
      assert.equal(ua.title(), 'Verify your identity');
      await ua.submit('totp', { code: code(totp) });
      const result = await login.exited;
      assert.equal(result.code, 0, result.stderr);
      const whoami = await user.run(['whoami', '--json']);
      assert.equal(whoami.code, 0, whoami.stderr);
      assert.equal(JSON.parse(whoami.stdout).mfa, true);
    } finally {
      user.cleanup();
    }
  });
});
