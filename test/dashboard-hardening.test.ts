import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { HOME, returnPath } from '../src/dashboard/return-path.ts';
import { launchChromium } from './support/browser.ts';
import { dashboardSignIn } from './support/dashboard.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import type { UserAgent } from './support/user-agent.ts';

/**
 * The dashboard's return path is normalised once, to a path safe as it stands, and a POST from
 * another origin is refused before anything is read or written (issue 9 item 7).
 */

/** Paths a browser would take off-site, directly or after one more decoding or dot-segment pass. */
const OFF_SITE = [
  '//evil.example',
  '/\\evil.example',
  '/%2F%2Fevil.example',
  '/%2f/evil.example',
  '/%252F%252Fevil.example',
  '/%5Cevil.example',
  'https://evil.example',
  'https:evil.example',
  '/.//evil.example',
  '/x/..//evil.example',
  '/%2e%2e//evil.example',
  '/%2e//evil.example',
  '/\t/evil.example',
  '/\n/evil.example',
  ' //evil.example',
  '/%09/evil.example',
  '/%00//evil.example',
  '/%E0%A4%A/evil.example',
  'javascript:alert(1)//evil.example',
  '\\\\evil.example',
];

describe('dashboard return path: one normalisation, safe as it stands', () => {
  it('Open redirect (RFC 9700 §4.11): every off-site form becomes /dashboard', () => {
    for (const value of OFF_SITE) assert.equal(returnPath(value), HOME, JSON.stringify(value));
    for (const value of [undefined, 42, ['/dashboard'], '', `/${'a'.repeat(600)}`]) {
      assert.equal(returnPath(value), HOME, JSON.stringify(value));
    }
  });

  it('Open redirect: same-origin paths are kept, query included, fragment dropped', () => {
    const kept: [string, string][] = [
      ['/dashboard/billing?month=10', '/dashboard/billing?month=10'],
      ['/ok?x=//y', '/ok?x=//y'],
      ['/commerce/customers', '/commerce/customers'],
      ['/dashboard/./billing', '/dashboard/billing'],
      ['/dashboard/security#top', '/dashboard/security'],
      ['/dashboard/%C3%A9t%C3%A9', '/dashboard/%C3%A9t%C3%A9'],
    ];
    for (const [value, expected] of kept) assert.equal(returnPath(value), expected, value);
  });
});

let w: TestWarden;
before(async () => {
  w = await startWarden();
});
after(() => w?.stop());

describe('dashboard return path over HTTP', () => {
  it('Open redirect: the sign-in page never carries an off-site return path', async () => {
    for (const value of OFF_SITE) {
      const response = await fetch(
        `${w.baseUrl}/dashboard/sign-in?${new URLSearchParams({ return: value })}`,
      );
      const page = await response.text();
      assert.equal(response.status, 200, JSON.stringify(value));
      assert.doesNotMatch(page, /evil\.example/, JSON.stringify(value));
      assert.match(page, /<input type="hidden" name="return" value="\/dashboard">/, JSON.stringify(value));
    }
    const kept = await fetch(
      `${w.baseUrl}/dashboard/sign-in?${new URLSearchParams({ return: '/ok?x=//y' })}`,
    );
    assert.match(await kept.text(), /<input type="hidden" name="return" value="\/ok\?x=\/\/y">/);
  });

  it('Open redirect: after sign-in the browser goes to the normalised path, never off-site', async () => {
    const { ua } = await dashboardSignIn(w, 'john@fabrikam.example', {
      mfa: false,
      returnTo: '/.//evil.example',
    });
    assert.equal(ua.lastUrl, `${w.baseUrl}/dashboard`);
    const again = await dashboardSignIn(w, 'john@fabrikam.example', {
      mfa: false,
      returnTo: '/dashboard/health?x=//y',
    });
    assert.equal(again.ua.lastUrl, `${w.baseUrl}/dashboard/health?x=//y`);
    assert.equal(again.ua.lastStatus, 200);
  });
});

/** A form post with the agent's cookies and the given request headers (what a browser adds). */
async function post(
  ua: UserAgent,
  path: string,
  form: Record<string, string>,
  headers: Record<string, string>,
): Promise<Response> {
  return fetch(`${w.baseUrl}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      cookie: [...ua.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      'content-type': 'application/x-www-form-urlencoded',
      ...headers,
    },
    body: new URLSearchParams(form),
  });
}

async function csrfOf(ua: UserAgent, path: string): Promise<string> {
  await ua.navigate(`${w.baseUrl}${path}`);
  const csrf = /name="csrf" value="([^"]+)"/.exec(ua.lastPage)?.[1];
  assert.ok(csrf, `no CSRF token on ${path}`);
  return csrf;
}

describe('dashboard POSTs from another origin', () => {
  const crossOrigin: [string, Record<string, string>][] = [
    ['another origin', { origin: 'https://evil.example' }],
    ['another port of the same host', { origin: 'http://localhost:1' }],
    ['an opaque origin', { origin: 'null' }],
    ['Sec-Fetch-Site cross-site, no Origin', { 'sec-fetch-site': 'cross-site' }],
    ['Sec-Fetch-Site same-site, no Origin', { 'sec-fetch-site': 'same-site' }],
  ];

  it('CSRF (Fetch Metadata, RFC 6454 §7): a sign-out from another origin is refused with 403 and the session lives on', async () => {
    const { ua } = await dashboardSignIn(w, 'john@fabrikam.example', { mfa: false });
    const csrf = await csrfOf(ua, '/dashboard');
    for (const [why, headers] of crossOrigin) {
      const response = await post(ua, '/dashboard/sign-out', { csrf }, headers);
      assert.equal(response.status, 403, why);
      assert.match(await response.text(), /data-testid="cross-origin-refused"/, why);
      assert.equal(response.headers.get('set-cookie'), null, `${why}: no cookie is touched`);
    }
    assert.equal((await ua.request(`${w.baseUrl}/dashboard`)).status, 200, 'still signed in');

    // The dashboard's own origin passes; so does a request without Origin, on its CSRF token alone.
    const own = await post(
      ua,
      '/dashboard/sign-out',
      { csrf },
      {
        origin: w.baseUrl,
        'sec-fetch-site': 'same-origin',
      },
    );
    assert.equal(own.status, 303);
  });

  it('CSRF: without Origin the session’s CSRF token decides, as before', async () => {
    const { ua } = await dashboardSignIn(w, 'john@fabrikam.example', { mfa: false });
    const csrf = await csrfOf(ua, '/dashboard');
    assert.equal((await post(ua, '/dashboard/sign-out', { csrf: 'forged' }, {})).status, 403);
    assert.equal((await post(ua, '/dashboard/sign-out', { csrf }, {})).status, 303);
  });

  it('CSRF: a page form posted from another origin writes nothing, even with a valid CSRF token', async () => {
    const { ua } = await dashboardSignIn(w, 'hal@contoso.example', {
      mfa: true,
      returnTo: '/dashboard/support/customers',
    });
    const csrf = await csrfOf(ua, '/dashboard/support/customers');
    const form = {
      csrf,
      customerId: w.demo.customers['northwind.example']!,
      title: 'From elsewhere',
      description: 'y',
      severity: 'minimal',
    };
    const count = async () => (await w.ctx.db.selectFrom('service_requests').select('id').execute()).length;
    const before = await count();
    await w.ctx.requestLog.flush();
    const logged = async () => (await w.ctx.db.selectFrom('request_log').select('id').execute()).length;
    const loggedBefore = await logged();
    for (const [why, headers] of crossOrigin) {
      const response = await post(ua, '/dashboard/support/customers', form, headers);
      assert.equal(response.status, 403, why);
    }
    await w.ctx.requestLog.flush();
    assert.equal(await count(), before, 'no service request was written');
    assert.equal(await logged(), loggedBefore, 'the refusal came before the gate');
    const own = await post(ua, '/dashboard/support/customers', form, { origin: w.baseUrl });
    assert.equal(own.status, 303);
    assert.equal(await count(), before + 1);
  });
});

describe('dashboard POSTs from another origin, in Chromium', () => {
  it('CSRF: a form on another site posting to the dashboard is refused; the dashboard’s own forms pass', async () => {
    // The other site: a page whose form posts to the dashboard's sign-out (127.0.0.1 is another
    // origin, and another site, than the dashboard's localhost).
    const attacker = createServer((_req, res) => {
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(
          `<!doctype html><form method="post" action="${w.baseUrl}/dashboard/sign-out"><input type="hidden" name="csrf" value="guess"><button>Win a prize</button></form>`,
        );
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    const browser = await launchChromium();
    try {
      const page = await (await browser.newContext()).newPage();
      await page.goto(`http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`);
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url() === `${w.baseUrl}/dashboard/sign-out`),
        page.click('button'),
      ]);
      assert.equal(response.status(), 403);
      assert.ok(await page.isVisible('[data-testid=cross-origin-refused]'));

      // The dashboard's own sign-out form, in the same browser, is accepted (its real Origin).
      await page.goto(`${w.baseUrl}/dashboard`);
      await page.fill('#email', 'john@fabrikam.example');
      await page.click('button[type=submit]');
      await page.fill('#password', w.demo.password);
      await page.click('button[type=submit]');
      await page.waitForURL(`${w.baseUrl}/dashboard`);
      const [own] = await Promise.all([
        page.waitForResponse((r) => r.url() === `${w.baseUrl}/dashboard/sign-out`),
        page.click('form[action="/dashboard/sign-out"] button'),
      ]);
      assert.equal(own.status(), 303);
    } finally {
      await browser.close();
      attacker.closeAllConnections();
      attacker.close();
    }
  });
});
