import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { inflateSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { recalculateFigures } from '../src/compliance/daily-job.ts';
import { addDays, dayOf } from '../src/compliance/days.ts';
import { getTenant } from '../src/directory/tenants.ts';
import { storeSnapshot } from '../src/security-score/history.ts';
import { launchChromium } from './support/browser.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { freshCode } from './support/oidc.ts';
import { makePartner } from './support/security-score.ts';
import { makeUser } from './support/users.ts';

/** The Security requirements page in a real browser (issue 14 item 4), charts checked by screenshot. */

const PAGE = '/dashboard/security/requirements';
const DAY = 86_400_000;

/**
 * The pixels of a PNG (RFC 2083 / W3C PNG): 8-bit RGB or RGBA, non-interlaced, as Chromium writes
 * its screenshots. Enough to tell a drawn chart from a blank or single-colour box.
 */
function decodePng(png: Buffer): { width: number; height: number; pixel: (x: number, y: number) => number } {
  assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const data: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.subarray(offset + 4, offset + 8).toString('latin1');
    const body = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      assert.equal(body[8], 8, 'bit depth 8');
      channels = body[9] === 6 ? 4 : body[9] === 2 ? 3 : 0;
      assert.ok(channels > 0, `colour type ${body[9]}`);
      assert.equal(body[12], 0, 'not interlaced');
    } else if (type === 'IDAT') data.push(body);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(data));
  const stride = width * channels;
  const out = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? out[y * stride + i - channels]! : 0;
      const b = y > 0 ? out[(y - 1) * stride + i]! : 0;
      const c = y > 0 && i >= channels ? out[(y - 1) * stride + i - channels]! : 0;
      const p = a + b - c;
      const pa = Math.abs(p - a);
      const pb = Math.abs(p - b);
      const pc = Math.abs(p - c);
      const paeth = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter]!;
      out[y * stride + i] = (line[i]! + predictor) & 0xff;
    }
  }
  return {
    width,
    height,
    pixel: (x, y) => {
      const at = y * stride + x * channels;
      return (out[at]! << 16) | (out[at + 1]! << 8) | out[at + 2]!;
    },
  };
}

/** How many pixels of each colour a screenshot has. */
function colours(png: Buffer): { width: number; height: number; counts: Map<number, number> } {
  const image = decodePng(png);
  const counts = new Map<number, number>();
  for (let y = 0; y < image.height; y++)
    for (let x = 0; x < image.width; x++) {
      const c = image.pixel(x, y);
      counts.set(c, (counts.get(c) ?? 0) + 1);
    }
  return { width: image.width, height: image.height, counts };
}

/** Whether some pixel is within a small distance of `rgb` (anti-aliasing and colour management aside). */
function hasColour(counts: Map<number, number>, rgb: number): boolean {
  const near = (c: number) =>
    Math.abs(((c >> 16) & 255) - ((rgb >> 16) & 255)) +
      Math.abs(((c >> 8) & 255) - ((rgb >> 8) & 255)) +
      Math.abs((c & 255) - (rgb & 255)) <
    24;
  return [...counts.entries()].some(([c, n]) => n >= 20 && near(c));
}

let w: TestWarden;
let browser: Browser;
let upn: string;
let seed: string;
let partnerId: string;
let partnerKey: string;

before(async () => {
  w = await startWarden();
  browser = await launchChromium();
  const partner = await makePartner(w, 'browse');
  partnerId = partner.id;
  partnerKey = partner.key;
  const agent = await makeUser(w, {
    tenant: partner.key,
    name: 'agent',
    groups: ['AdminAgents'],
    roles: ['Global Administrator'],
    totp: true,
  });
  upn = agent.upn;
  seed = agent.totpSeed!;
  // Ten days of dashboard traffic: on day i, i of 10 operations had MFA.
  const now = w.clock.now();
  for (let d = 1; d <= 10; d++)
    for (let i = 0; i < 10; i++)
      await w.ctx.requestLog.record({
        tenantId: partner.id,
        surface: 'dashboard',
        operation: 'customers.view',
        userId: agent.id,
        userPrincipalName: upn,
        mfaCompliant: i < d,
        statusCode: 200,
        correlationId: `d${d}-${i}`,
        occurredAt: now - (11 - d) * DAY + i,
      });
  await w.ctx.requestLog.flush();
  const tenant = (await getTenant(w.ctx.db, partner.id))!;
  for (let d = 10; d >= 1; d--) await recalculateFigures(w.ctx.db, tenant, addDays(dayOf(now), -d), now);
});
after(async () => {
  await browser?.close();
  await w?.stop();
});

/** Signs in from `path`; `seed` empty: no second factor is asked (a user security defaults do not prompt). */
async function signIn(as = { upn: '', seed: '' }, path = PAGE): Promise<Page> {
  const who = as.upn ? as : { upn, seed };
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(`${w.baseUrl}${path}`);
  await page.fill('#email', who.upn);
  await page.click('button[type=submit]');
  await page.waitForSelector('#password');
  await page.fill('#password', w.demo.password);
  await page.click('button[type=submit]');
  if (who.seed) {
    await page.waitForSelector('#code');
    await page.fill('#code', freshCode(w, who.seed));
    await page.click('button[type=submit]');
  }
  await page.waitForURL((url) => url.pathname === path);
  if (who.seed) assert.equal(await page.textContent('[data-testid=mfa-status]'), 'MFA verified');
  return page;
}

describe('Issue 14 item 4: the Security requirements page in Chromium', () => {
  it('an Admin agent with MFA sees the figures and charts that render (screenshot), and downloads a CSV', async () => {
    const page = await signIn();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await page.reload();
    assert.equal(await page.textContent('h1'), 'Security requirements');
    assert.equal(await page.textContent('[data-testid=figure-a]'), '100 %');
    // The newest day's window (days 4..10 of the traffic): 49 of 70 operations with MFA.
    assert.equal(await page.textContent('[data-testid=figure-b1]'), '70 %');

    for (const id of ['history-30', 'trend-7']) {
      const chart = page.locator(`[data-testid=${id}-svg]`);
      assert.equal(await chart.getAttribute('role'), 'img');
      assert.match((await chart.locator('title').textContent()) ?? '', /The three figures/);
      const box = await chart.boundingBox();
      assert.ok(box && box.width > 300 && box.height > 100, `${id} has a real size: ${JSON.stringify(box)}`);
      const shot = colours(await chart.screenshot());
      assert.ok(shot.width > 300 && shot.height > 100, `${id} screenshot size`);
      const [top] = [...shot.counts.values()].sort((a, b) => b - a);
      assert.ok(top! < shot.width * shot.height * 0.97, `${id} is not one blank colour`);
      assert.ok(shot.counts.size > 8, `${id} has more than a few colours (${shot.counts.size})`);
      // The series are drawn in their colours: A in blue, B1 in orange.
      assert.ok(hasColour(shot.counts, 0x1f77b4), `${id}: figure A's blue is on screen`);
      assert.ok(hasColour(shot.counts, 0xd95f02), `${id}: figure B1's orange is on screen`);
    }
    // The history's numbers as text, next to the chart.
    const rows = await page.locator('[data-testid=history-30-data] tbody tr').count();
    assert.equal(rows, 30);
    assert.match(
      (await page.locator('[data-testid=history-30-data] tbody tr').last().textContent()) ?? '',
      /70 %/,
    );

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('a[href$="portal-requests-without-mfa.csv"]'),
    ]);
    assert.equal(download.suggestedFilename(), 'portal-requests-without-mfa.csv');
    const csv = readFileSync((await download.path())!, 'utf8').split('\r\n');
    assert.equal(csv[0], 'ObjectId,TenantId,Upn,LastNonMfaCompliantLoginDateTime');
    assert.ok(csv[1]!.includes(`,${partnerId},${upn},`));
    assert.deepEqual(violations, [], 'no CSP violation');
  });

  it('the operator sorts the program page by a column and filters it to non-compliant partners; a Sales agent is refused 403', async () => {
    const good = await makePartner(w, 'model');
    await storeSnapshot(w.ctx.db, good.id, w.clock.now(), {
      score: 100,
      compliantRequirementsCount: 4,
      totalRequirementsCount: 4,
    });
    await storeSnapshot(w.ctx.db, partnerId, w.clock.now(), {
      score: 40,
      compliantRequirementsCount: 2,
      totalRequirementsCount: 4,
    });
    const op = await makeUser(w, {
      tenant: 'operator',
      name: 'op',
      roles: ['Global Administrator'],
      totp: true,
    });
    const page = await signIn({ upn: op.upn, seed: op.totpSeed! }, '/dashboard/program/security');
    const order = () =>
      page.locator('tr[data-partner]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-partner')));
    await page.click('a[data-sort=score]');
    await page.waitForURL(/sort=score&dir=asc/);
    let ids = await order();
    assert.ok(ids.indexOf(partnerId) < ids.indexOf(good.id), 'ascending: 40 before 100');
    await page.click('a[data-sort=score]');
    await page.waitForURL(/sort=score&dir=desc/);
    ids = await order();
    assert.ok(ids.indexOf(good.id) < ids.indexOf(partnerId), 'descending: 100 before 40');
    assert.equal(await page.getAttribute('th[aria-sort]', 'aria-sort'), 'descending');
    await page.click('text=Show non-compliant partners only');
    await page.waitForURL(/filter=noncompliant/);
    ids = await order();
    assert.ok(ids.includes(partnerId));
    assert.ok(!ids.includes(good.id));
    const spark = page.locator(`tr[data-partner="${partnerId}"] .sparkline svg`);
    assert.equal(await spark.getAttribute('role'), 'img');
    const box = await spark.boundingBox();
    assert.ok(box && box.width >= 90 && box.height >= 20, JSON.stringify(box));

    // SPEC E1: a Sales agent gets the 403 page naming who may enter (the role is checked before MFA).
    const sales = await makeUser(w, {
      tenant: partnerKey,
      name: 'sales',
      groups: ['SalesAgents'],
      totp: true,
    });
    const salesPage = await signIn({ upn: sales.upn, seed: '' });
    assert.match((await salesPage.textContent('[data-testid=forbidden-roles]')) ?? '', /Admin agent/);
    const response = await salesPage.reload();
    assert.equal(response?.status(), 403);
  });
});
