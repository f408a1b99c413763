import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { listAuditEvents } from '../src/audit/audit-events.ts';
import { DAP_TRANSITION_ROLE_IDS } from '../src/delegated-admin/gdap-roles.ts';
import { getRelationship } from '../src/delegated-admin/relationships.ts';
import { getCustomer } from '../src/partner-center/customers.ts';
import { launchChromium } from './support/browser.ts';
import { DAY_MS, makeDapCustomer, recordCrossTenantSignIn } from './support/dap.ts';
import { dashboardSignIn } from './support/dashboard.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { freshCode } from './support/oidc.ts';

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

/** Jane (Admin agent, TOTP) signs in to the dashboard in Chromium, landing on `path`. */
async function janeAt(page: Page, path: string): Promise<void> {
  await page.goto(`${w.baseUrl}${path}`);
  await page.fill('#email', 'jane@contoso.example');
  await page.click('button[type=submit]');
  await page.waitForSelector('#password');
  await page.fill('#password', w.demo.password);
  await page.click('button[type=submit]');
  await page.waitForSelector('#code');
  await page.fill('#code', freshCode(w, w.demo.users['jane@contoso.example']!.totpSeed!));
  await page.click('button[type=submit]');
  await page.waitForURL(`${w.baseUrl}${path}`);
}

describe('SPEC §13: the DAP page of the dashboard in Chromium (reference §1.11)', () => {
  it('SPEC §13: Jane sees the 60/90-day flags, removes DAP for two customers at once, and moves a third to GDAP (approval link shown)', async () => {
    const contoso = w.demo.tenants.contoso!.id;
    const now = w.clock.now();
    const stale = await makeDapCustomer(w, { name: 'Stale Ltd', since: now - 120 * DAY_MS });
    const idle = await makeDapCustomer(w, { name: 'Idle Ltd', since: now - 120 * DAY_MS });
    const busy = await makeDapCustomer(w, { name: 'Busy Ltd', since: now - 120 * DAY_MS });
    await recordCrossTenantSignIn(w, idle.customerTenantId, contoso, now - 70 * DAY_MS);
    await recordCrossTenantSignIn(w, busy.customerTenantId, contoso, now - 2 * DAY_MS);

    const context = await browser.newContext();
    const page = await context.newPage();
    await janeAt(page, '/dashboard/customers/dap');
    assert.equal(await page.textContent('h1'), 'Delegated admin privileges (DAP)');
    const activity = (c: { id: string }) =>
      page.getAttribute(`tr[data-customer="${c.id}"] [data-activity]`, 'data-activity');
    assert.equal(await activity(stale), 'inactiveOver90Days');
    assert.equal(await activity(idle), 'inactiveOver60Days');
    assert.equal(await activity(busy), 'active');
    assert.ok(await page.isVisible(`tr[data-customer="${w.demo.customers['northwind.example']}"]`));

    await page.check(`#pick-${stale.id}`);
    await page.check(`#pick-${idle.id}`);
    await page.click('[data-testid=remove-dap]');
    await page.waitForSelector('[data-testid=removed]');
    assert.match((await page.textContent('[data-testid=removed]')) ?? '', /DAP removed for 2 customers\./);
    assert.equal(await page.locator(`tr[data-customer="${stale.id}"]`).count(), 0);
    assert.equal(await page.locator(`tr[data-customer="${idle.id}"]`).count(), 0);
    assert.equal(await page.locator(`tr[data-customer="${busy.id}"]`).count(), 1);
    for (const c of [stale, idle]) {
      assert.equal((await getCustomer(w.ctx.db, contoso, c.id))?.delegatedAdmin, 'none');
      const [event] = await listAuditEvents(w.ctx.db, c.customerTenantId, { targetId: c.id });
      assert.equal(event?.actor.name, 'jane@contoso.example');
    }
    assert.equal((await getCustomer(w.ctx.db, contoso, busy.id))?.delegatedAdmin, 'dap');

    await page.click(`[data-testid=move-${busy.id}]`);
    await page.waitForSelector('[data-testid=approval-link]');
    const link = (await page.textContent('[data-testid=approval-link]')) ?? '';
    const match = /\/admin\/partners\/invitation\/granularAdminRelationships\/([\w-]+)$/.exec(link);
    assert.ok(match && link.startsWith(w.baseUrl), link);
    const relationship = await getRelationship(w.ctx.db, { partnerTenantId: contoso }, match[1]!);
    assert.equal(relationship?.status, 'approvalPending');
    assert.equal(relationship?.customerTenantId, busy.customerTenantId);
    assert.deepEqual([...relationship!.roleTemplateIds].sort(), [...DAP_TRANSITION_ROLE_IDS].sort());
    // Proposing does not remove DAP: the customer approves first.
    assert.equal(await page.locator(`tr[data-customer="${busy.id}"]`).count(), 1);
    await context.close();
  });

  it('SPEC E1, §13: the DAP page is the Admin agents’: a Helpdesk agent gets 403; a removal without the CSRF token is refused and changes nothing', async () => {
    const hal = await dashboardSignIn(w, 'hal@contoso.example', { mfa: true });
    await hal.ua.navigate(`${w.baseUrl}/dashboard/customers/dap`);
    assert.equal(hal.ua.lastStatus, 403);
    assert.match(hal.ua.lastPage, /data-testid="forbidden-roles">[^<]*Admin agent/);

    const customer = await makeDapCustomer(w);
    const jane = await dashboardSignIn(w, 'jane@contoso.example', { mfa: true });
    await jane.ua.navigate(`${w.baseUrl}/dashboard/customers/dap/remove`, {
      form: { [`customer:${customer.id}`]: 'remove' },
    });
    assert.equal(jane.ua.lastStatus, 403);
    await jane.ua.navigate(`${w.baseUrl}/dashboard/customers/dap/remove`, {
      form: { csrf: 'forged', [`customer:${customer.id}`]: 'remove' },
    });
    assert.equal(jane.ua.lastStatus, 403);
    assert.equal(
      (await getCustomer(w.ctx.db, w.demo.tenants.contoso!.id, customer.id))?.delegatedAdmin,
      'dap',
    );
  });
});
