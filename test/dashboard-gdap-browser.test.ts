import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { GDAP_ROLES } from '../src/delegated-admin/gdap-roles.ts';
import { GLOBAL_ADMINISTRATOR_TEMPLATE_ID } from '../src/delegated-admin/relationship-rules.ts';
import { applyEvent, createRelationship, getRelationship } from '../src/delegated-admin/relationships.ts';
import { launchChromium } from './support/browser.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { freshCode } from './support/oidc.ts';

/** The partner dashboard's GDAP area in a real browser (SPEC §13, issue 10 item 4). */

const DAY_MS = 24 * 3600 * 1000;
const GDAP = '/dashboard/customers/gdap';
const roleId = (name: string) => GDAP_ROLES.find((r) => r.displayName === name)!.templateId;
const USER_ADMIN = roleId('User Administrator');
const HELPDESK = roleId('Helpdesk Administrator');

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

/** Every CSP violation the page reports: the GDAP pages run no inline script or style. */
function cspViolations(page: Page): string[] {
  const seen: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) seen.push(message.text());
  });
  return seen;
}

/** Jane (Contoso, Admin agent, authenticator app) signs in from `path` and lands on it. */
async function janeAt(path: string, context?: BrowserContext): Promise<Page> {
  const page = await (context ?? (await browser.newContext())).newPage();
  await page.goto(`${w.baseUrl}${path}`);
  await page.fill('#email', 'jane@contoso.example');
  await page.click('button[type=submit]');
  await page.waitForSelector('#password');
  await page.fill('#password', w.demo.password);
  await page.click('button[type=submit]');
  await page.waitForSelector('#code');
  await page.fill('#code', freshCode(w, w.demo.users['jane@contoso.example']!.totpSeed!));
  await page.click('button[type=submit]');
  await page.waitForURL((url) => url.pathname === path.split('?')[0]);
  assert.equal(await page.textContent('[data-testid=mfa-status]'), 'MFA verified');
  return page;
}

describe('SPEC §13: the partner dashboard GDAP area in Chromium', () => {
  it('SPEC §13: an Admin agent creates a relationship, locks it, copies the approval link, assigns a group once approved and terminates it', async () => {
    const context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
    const page = await janeAt('/commerce/customers', context);
    const violations = cspViolations(page);
    // Customers links to the GDAP area; so does the navigation.
    await page.click('main a[href="/dashboard/customers/gdap"]');
    await page.waitForURL(`${w.baseUrl}${GDAP}`);
    assert.equal(await page.textContent('h1'), 'GDAP relationships');
    assert.equal(await page.getAttribute('nav a[aria-current=page]', 'href'), GDAP);

    await page.click('text=Request a relationship');
    await page.fill('#displayName', 'Northwind helpdesk');
    await page.selectOption('#customerId', w.demo.customers['northwind.example']!);
    await page.fill('#durationDays', '90');
    await page.check(`input[name="role-${USER_ADMIN}"]`);
    await page.check(`input[name="role-${HELPDESK}"]`);
    // Reference §1.2: no auto-extension with Global Administrator — the box follows the role.
    await page.check('#autoExtend');
    await page.check(`input[name="role-${GLOBAL_ADMINISTRATOR_TEMPLATE_ID}"]`);
    assert.equal(await page.isDisabled('#autoExtend'), true);
    assert.equal(await page.isChecked('#autoExtend'), false);
    await page.uncheck(`input[name="role-${GLOBAL_ADMINISTRATOR_TEMPLATE_ID}"]`);
    assert.equal(await page.isDisabled('#autoExtend'), false);
    await page.click('#create-relationship button[type=submit]');
    await page.waitForURL((url) => url.pathname.startsWith(`${GDAP}/relationships/`));
    const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    assert.equal(await page.textContent('h1'), 'Northwind helpdesk');
    assert.equal(await page.getAttribute('[data-status]', 'data-status'), 'created');
    assert.deepEqual(await page.locator('ul.roles li').allTextContents(), [
      'User Administrator',
      'Helpdesk Administrator',
    ]);

    await page.click('#lock-relationship button[type=submit]');
    await page.waitForSelector('[data-testid=approval-link]');
    assert.equal(await page.getAttribute('[data-status]', 'data-status'), 'approvalPending');
    const link = `${w.baseUrl}/admin/partners/invitation/granularAdminRelationships/${id}`;
    assert.equal(await page.inputValue('[data-testid=approval-link]'), link);
    assert.equal(await page.getAttribute('[data-testid=approval-link]', 'readonly'), '');
    await page.click('button[data-copy=approval-link]');
    await page.waitForSelector('button[data-copy=approval-link]:text("Copied")');
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), link);
    // Without scripts the page still works: the link is there to select, the Copy button is not shown.
    const noScript = await browser.newContext({ javaScriptEnabled: false });
    await noScript.addCookies(await context.cookies());
    const plain = await noScript.newPage();
    await plain.goto(page.url());
    assert.equal(await plain.inputValue('[data-testid=approval-link]'), link);
    assert.equal(await plain.isVisible('button[data-copy=approval-link]'), false);
    await noScript.close();

    // The customer's Global Administrator approves (the approval page's own domain call).
    await applyEvent(
      w.ctx.db,
      { customerTenantId: w.demo.tenants.northwind!.id },
      id,
      { event: 'approve', actor: 'customer', approvedBy: 'admin@northwind.example' },
      w.clock.now(),
    );
    await page.reload();
    assert.equal(await page.getAttribute('[data-status]', 'data-status'), 'active');
    assert.equal(await page.isVisible('[data-testid=approval-link]'), false);

    await page.selectOption('#groupId', { label: 'AdminAgents' });
    await page.check(`#assign-group input[name="role-${USER_ADMIN}"]`);
    await page.click('#assign-group button[type=submit]');
    await page.waitForSelector('tr[data-assignment]');
    assert.deepEqual(
      await page
        .locator('tr[data-assignment] td')
        .allTextContents()
        .then((c) => c.slice(0, 3)),
      ['AdminAgents', 'User Administrator', 'active'],
    );

    // The overview lists it with its customer, status and group.
    await page.click(`nav a[href="${GDAP}"]`);
    const row = page.locator(`tr[data-relationship="${id}"]`);
    assert.match(
      (await row.textContent()) ?? '',
      /Northwind Traders.*Active.*User Administrator.*AdminAgents/s,
    );

    await page.click(`tr[data-relationship="${id}"] a`);
    await page.check('#terminate-relationship input[name=confirm]');
    await page.click('#terminate-relationship button[type=submit]');
    await page.waitForSelector('[data-status=terminated]');
    assert.equal(await page.locator('tr[data-assignment] td').nth(2).textContent(), 'deleted');
    const stored = (await getRelationship(w.ctx.db, { partnerTenantId: w.demo.tenants.contoso!.id }, id))!;
    assert.equal(stored.status, 'terminated');

    // The activity log tells the story under Partner Center's columns, newest first.
    await page.goto(`${w.baseUrl}${GDAP}/activity`);
    const actions = await page.locator('tbody tr td:nth-child(3)').allTextContents();
    assert.deepEqual(actions.slice(0, 5), [
      'Granular admin relationship terminated',
      'Access assignment created',
      'Granular admin relationship approved',
      'Granular admin relationship locked for approval',
      'Granular admin relationship created',
    ]);
    assert.deepEqual(violations, []);
    await context.close();
  });

  it('Reference §1.9: relationships ending within 30, 7 and 1 days are highlighted, on Warden’s clock', async () => {
    const contoso = w.demo.tenants.contoso!.id;
    const northwind = w.demo.tenants.northwind!.id;
    const made: Record<string, string> = {};
    for (const [name, duration] of [
      ['Ends in 2 days', 'P2D'],
      ['Ends in 8 days', 'P8D'],
      ['Ends in 31 days', 'P31D'],
      ['Ends in 32 days', 'P32D'],
    ] as const) {
      const r = await createRelationship(
        w.ctx.db,
        contoso,
        { displayName: name, duration, roleTemplateIds: [USER_ADMIN], customerTenantId: northwind },
        w.clock.now(),
      );
      await applyEvent(
        w.ctx.db,
        { partnerTenantId: contoso },
        r.id,
        { event: 'lockForApproval', actor: 'partner' },
        w.clock.now(),
      );
      await applyEvent(
        w.ctx.db,
        { customerTenantId: northwind },
        r.id,
        { event: 'approve', actor: 'customer' },
        w.clock.now(),
      );
      made[name] = r.id;
    }
    // A day and an hour later: 23 hours, 6.96, 29.96 and 30.96 days are left.
    w.clock.advance(DAY_MS + 3600_000);
    const page = await janeAt(GDAP);
    const expiry = (name: string) =>
      page.locator(`tr[data-relationship="${made[name]}"] [data-testid=expiry]`);
    const expected: [string, string, string | null][] = [
      ['Ends in 2 days', '1', 'Expires within 1 day'],
      ['Ends in 8 days', '7', 'Expires within 7 days'],
      ['Ends in 31 days', '30', 'Expires within 30 days'],
      ['Ends in 32 days', '', null],
    ];
    for (const [name, window, label] of expected) {
      assert.equal(await expiry(name).getAttribute('data-expiring'), window, name);
      const classes = (await expiry(name).getAttribute('class')) ?? '';
      if (label) {
        assert.ok(classes.split(' ').includes(`expiring-${window}`), `${name}: ${classes}`);
        assert.equal(await expiry(name).locator('.expiry-label').textContent(), label);
        assert.equal(await expiry(name).locator('.expiry-label').isVisible(), true);
      } else assert.equal(classes, 'expiry', name);
    }
    // The 7-day filter keeps the two that end within a week.
    await page.click('nav.filters a:text("Expiring within 7 days")');
    await page.waitForURL((url) => url.searchParams.get('filter') === 'expiring7');
    // (The demo's own relationships may be listed too; this test's are the ones it made.)
    const shown = await page.locator('tr[data-relationship] td:first-child').allTextContents();
    assert.deepEqual(shown.filter((name) => name in made).sort(), ['Ends in 2 days', 'Ends in 8 days']);
    await page.context().close();
  });

  it('SPEC E1: a Sales agent who opens the GDAP area gets 403', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${w.baseUrl}${GDAP}`);
    await page.fill('#email', 'sam@contoso.example');
    await page.click('button[type=submit]');
    await page.waitForSelector('#password');
    await page.fill('#password', w.demo.password);
    await page.click('button[type=submit]');
    // Sam has no authenticator yet: the area asks for MFA first, so he registers one.
    await page.waitForSelector('main[data-step=register_offer], main[data-step=register_method]');
    if ((await page.getAttribute('main', 'data-step')) === 'register_offer')
      await page.click('form:has(input[value=begin_registration]) button');
    await page.waitForSelector('code.secret');
    const seed = ((await page.textContent('code.secret')) ?? '').replace(/\s+/g, '');
    await page.fill('#code', freshCode(w, seed));
    await page.click('button[type=submit]');
    await page.waitForSelector('ul.codes');
    const response = page.waitForResponse((r) => new URL(r.url()).pathname === GDAP);
    await page.click('button[type=submit]');
    assert.equal((await response).status(), 403);
    assert.equal(await page.textContent('h1'), 'You do not have access to this page');
    assert.equal(
      await page.textContent('[data-testid=forbidden-roles]'),
      'Only these roles may open this page: Admin agent.',
    );
    await page.context().close();
  });
});
