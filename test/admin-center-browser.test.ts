import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { listAuditEvents } from '../src/audit/audit-events.ts';
import { gdapRole } from '../src/delegated-admin/gdap-roles.ts';
import { getRelationship } from '../src/delegated-admin/relationships.ts';
import { DashboardSessions } from '../src/relying-party/sessions.ts';
import {
  APPROVAL_PATH,
  gdapParties,
  HELPDESK_ADMINISTRATOR,
  pendingRelationship,
  USER_ADMINISTRATOR,
} from './support/admin-center.ts';
import { launchChromium } from './support/browser.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { freshCode } from './support/oidc.ts';
import { type MadeUser, makeUser } from './support/users.ts';

/** The customer's approval in Chromium (SPEC §13, issue 10 item 2): one Warden and one browser for the file. */
let w: TestWarden;
let browser: Browser;
let parties: Awaited<ReturnType<typeof gdapParties>>;
let ga: MadeUser;
before(async () => {
  w = await startWarden();
  browser = await launchChromium();
  parties = await gdapParties(w);
  ga = await makeUser(w, {
    tenant: parties.customer.key,
    name: 'ga',
    roles: ['Global Administrator'],
    totp: true,
  });
});
after(async () => {
  await browser?.close();
  await w?.stop();
});

/** The customer authority's pages after the password: the password again, then the authenticator code. */
async function passwordAndCode(page: Page, user: MadeUser): Promise<void> {
  await page.waitForSelector('#password');
  assert.equal(
    await page.inputValue('#username'),
    user.upn,
    'the authority page is prefilled with the account',
  );
  await page.fill('#password', user.password);
  await page.click('button[type=submit]');
  await page.waitForSelector('#code');
  await page.fill('#code', freshCode(w, user.totpSeed!));
  await page.click('button[type=submit]');
}

/** Opens `path` signed out: the admin center asks for the work account, the authority for password and code. */
async function signInAt(path: string, user: MadeUser): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${w.baseUrl}${path}`);
  assert.equal(new URL(page.url()).pathname, '/admin/sign-in');
  await page.fill('#email', user.upn);
  await page.click('button[type=submit]');
  await passwordAndCode(page, user);
  await page.waitForURL((url) => url.pathname === path.split('?')[0]);
  return page;
}

const statusOf = async (id: string) =>
  (await getRelationship(w.ctx.db, { partnerTenantId: parties.partner.id }, id))?.status;

describe('SPEC §13: the customer approves in a browser', () => {
  it('SPEC §13: the Global Administrator signs in from the link with MFA, reads every role with its meaning, approves once; the link then says it was answered', async () => {
    const rel = await pendingRelationship(w, parties.partner.id, parties.customer.id, {
      autoExtendDuration: 'P180D',
    });
    const link = `${APPROVAL_PATH}${rel.id}`;
    const page = await signInAt(link, ga);
    assert.equal(await page.textContent('[data-testid=mfa-status]'), 'MFA verified');
    assert.equal(await page.textContent('[data-testid=partner-name]'), parties.partner.name);
    assert.equal(await page.textContent('[data-testid=partner-domain]'), parties.partner.domain);
    assert.equal(await page.textContent('[data-testid=relationship-name]'), rel.displayName);
    assert.equal(await page.textContent('[data-testid=duration-days]'), '730 days');
    assert.match((await page.textContent('[data-testid=auto-extend]')) ?? '', /180 days/);
    for (const id of [USER_ADMINISTRATOR, HELPDESK_ADMINISTRATOR]) {
      const role = gdapRole(id)!;
      const item = (await page.textContent(`[data-role="${id}"]`)) ?? '';
      assert.ok(item.includes(role.displayName) && item.includes(role.meaning), item);
    }
    await page.click('[data-testid=approve]');
    await page.waitForSelector('[data-testid=answered]');
    assert.equal(new URL(page.url()).pathname, link);
    assert.equal(await page.getAttribute('[data-testid=answered]', 'data-status'), 'active');
    assert.equal(await statusOf(rel.id), 'active');

    // Used once: opened again, the link offers nothing to press.
    const again = await page.goto(`${w.baseUrl}${link}`);
    assert.equal(again?.status(), 200);
    assert.equal(await page.locator('[data-testid=approve], [data-testid=reject]').count(), 0);
    assert.equal(await page.getAttribute('[data-testid=answered]', 'data-status'), 'active');

    // Partner relationships: the partner, the roles, who approved; then Remove roles, confirmed.
    await page.goto(`${w.baseUrl}/admin/partners?status=active`);
    const row = page.locator(`tr[data-relationship="${rel.id}"]`);
    assert.match(
      (await row.textContent()) ?? '',
      new RegExp(`${parties.partner.name}.*User Administrator.*${ga.upn}`, 's'),
    );
    await row.locator('a').click();
    assert.equal(await page.textContent('[data-testid=approved-by]'), ga.upn);
    await page.click('[data-testid=remove-roles]');
    await page.waitForSelector('[data-testid=confirm-remove]');
    assert.equal(await statusOf(rel.id), 'active', 'nothing changes before the confirmation');
    await page.click('[data-testid=remove-roles-confirm]');
    await page.waitForURL(`${w.baseUrl}/admin/partners/${rel.id}`);
    assert.equal(await page.textContent('[data-testid=status]'), 'terminated');
    assert.equal(await statusOf(rel.id), 'terminated');
    assert.equal(await page.locator('[data-testid=remove-roles]').count(), 0);

    // The audit log, on the customer's side and on the partner's.
    await page.goto(`${w.baseUrl}/admin/audit`);
    for (const activity of [
      'Granular admin relationship approved',
      'Granular admin relationship terminated',
    ]) {
      const entry = page.locator(`tr[data-target="${rel.id}"][data-activity="${activity}"]`);
      assert.equal(await entry.count(), 1, activity);
      assert.match((await entry.textContent()) ?? '', new RegExp(ga.upn.replace('.', '\\.')));
    }
    const partnerSide = await listAuditEvents(w.ctx.db, parties.partner.id, { targetId: rel.id });
    assert.deepEqual(
      partnerSide
        .filter((e) => e.actor.userId === ga.id)
        .map((e) => e.activity)
        .sort(),
      ['Granular admin relationship approved', 'Granular admin relationship terminated'],
    );
    await page.context().close();
  });

  it('SPEC §13: the Global Administrator rejects a request; the relationship ends and the link says it was answered', async () => {
    const rel = await pendingRelationship(w, parties.partner.id, parties.customer.id);
    const page = await signInAt(`${APPROVAL_PATH}${rel.id}`, ga);
    await page.click('[data-testid=reject]');
    await page.waitForSelector('[data-testid=answered]');
    assert.equal(await page.getAttribute('[data-testid=answered]', 'data-status'), 'terminated');
    assert.equal(await statusOf(rel.id), 'terminated');
    assert.equal(await page.locator('[data-testid=approve]').count(), 0);
    await page.goto(`${w.baseUrl}/admin/audit`);
    assert.equal(
      await page
        .locator(`tr[data-target="${rel.id}"][data-activity="Granular admin relationship rejected"]`)
        .count(),
      1,
    );
    await page.context().close();
  });

  it('SPEC §13: a customer user who is not a Global Administrator is refused (403) and told who may', async () => {
    const rel = await pendingRelationship(w, parties.partner.id, parties.customer.id);
    const helpdesk = await makeUser(w, {
      tenant: parties.customer.key,
      name: 'helpdesk',
      roles: ['Helpdesk Administrator'],
      totp: true,
    });
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${w.baseUrl}${APPROVAL_PATH}${rel.id}`);
    await page.fill('#email', helpdesk.upn);
    await page.click('button[type=submit]');
    await passwordAndCode(page, helpdesk);
    await page.waitForSelector('[data-testid=forbidden-roles]');
    assert.match((await page.textContent('[data-testid=forbidden-roles]')) ?? '', /Global Administrator/);
    const response = await page.goto(`${w.baseUrl}${APPROVAL_PATH}${rel.id}`);
    assert.equal(response?.status(), 403);
    assert.equal(await page.locator('[data-testid=approve], [data-testid=roles]').count(), 0);
    assert.equal(await statusOf(rel.id), 'approvalPending');
    await page.context().close();
  });

  it('SPEC §13, SPEC §3: a session without the MFA proof is sent to the authority with amr_values=mfa before any page is shown', async () => {
    const rel = await pendingRelationship(w, parties.partner.id, parties.customer.id);
    // The case built: an admin-center session of the Global Administrator proven by password only.
    const now = w.clock.now();
    const { cookieValue } = await new DashboardSessions(w.ctx.db).start(
      { site: 'admin', tenantId: parties.customer.id, userId: ga.id, amr: ['pwd'], authTime: now },
      now,
    );
    const context = await browser.newContext();
    await context.addCookies([{ name: 'warden_admin', value: cookieValue, url: w.baseUrl }]);
    const page = await context.newPage();
    const asked: URL[] = [];
    const shown: string[] = [];
    page.on('request', (r) => asked.push(new URL(r.url())));
    page.on('response', (r) => {
      if (new URL(r.url()).pathname.startsWith('/admin/') && r.status() === 200) shown.push(r.url());
    });
    await page.goto(`${w.baseUrl}${APPROVAL_PATH}${rel.id}`);
    await page.waitForSelector('#password');
    assert.deepEqual(shown, [], 'no admin-center page was shown on the password-only session');
    const authorization = asked.find(
      (u) => u.pathname.startsWith(`/${parties.customer.id}/`) && u.searchParams.has('amr_values'),
    );
    assert.equal(authorization?.searchParams.get('amr_values'), 'mfa', asked.map(String).join('\n'));
    await passwordAndCode(page, ga);
    await page.waitForURL(`${w.baseUrl}${APPROVAL_PATH}${rel.id}`);
    assert.equal(await page.textContent('[data-testid=mfa-status]'), 'MFA verified');
    assert.equal(await page.locator('[data-testid=approve]').count(), 1);
    await context.close();
  });

  it('SPEC §13: a customer cannot see or approve another customer’s relationship (404)', async () => {
    const theirs = await pendingRelationship(w, parties.partner.id, parties.other.id);
    const page = await signInAt('/admin/partners', ga);
    const response = await page.goto(`${w.baseUrl}${APPROVAL_PATH}${theirs.id}`);
    assert.equal(response?.status(), 404);
    assert.ok(await page.isVisible('[data-testid=not-found]'));
    assert.equal(await page.locator('[data-testid=approve], [data-testid=roles]').count(), 0);
    assert.ok(!(await page.content()).includes(theirs.displayName));
    assert.equal(await page.locator(`tr[data-relationship="${theirs.id}"]`).count(), 0);
    assert.equal(await statusOf(theirs.id), 'approvalPending');
    await page.context().close();
  });

  it('SPEC §13: a partner account cannot use the admin center, and a customer session cannot open Partner Center', async () => {
    const agent = await makeUser(w, {
      tenant: parties.partner.key,
      name: 'agent',
      groups: ['AdminAgents'],
      totp: true,
    });
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${w.baseUrl}/admin/partners`);
    await page.fill('#email', agent.upn);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=sign-in-error]');
    assert.equal(new URL(page.url()).pathname, '/admin/sign-in', 'never sent to the partner authority');
    await page.context().close();

    const customer = await signInAt('/admin/partners', ga);
    await customer.goto(`${w.baseUrl}/dashboard`);
    assert.equal(new URL(customer.url()).pathname, '/dashboard/sign-in');
    // Even carried in Partner Center's own cookie, the customer's session opens nothing there.
    const [session] = (await customer.context().cookies()).filter((c) => c.name === 'warden_admin');
    await customer
      .context()
      .addCookies([{ name: 'warden_dashboard', value: session!.value, url: w.baseUrl }]);
    await customer.goto(`${w.baseUrl}/dashboard`);
    assert.equal(new URL(customer.url()).pathname, '/dashboard/sign-in');
    await customer.context().close();
  });
});
