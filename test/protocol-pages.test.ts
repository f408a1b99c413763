import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import type { Browser, BrowserContext } from 'playwright-core';
import { launchChromium } from './support/browser.ts';
import { requestDeviceCode } from './support/device.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { REDIRECT_URI, relyingParty, signIn, startAuthorization } from './support/oidc.ts';
import { UserAgent } from './support/user-agent.ts';

/**
 * The pages oidc-provider would render itself (OAuth 2.0 Form Post Response Mode, RP-Initiated
 * Logout) are Warden's, under the same strict CSP as every other page: no inline script, no hash.
 */

let w: TestWarden;
before(async () => {
  w = await startWarden();
});
after(() => w?.stop());

function assertStrictCsp(csp: string | null, formAction: string): void {
  assert.ok(csp, 'the page has a Content-Security-Policy');
  assert.doesNotMatch(csp, /unsafe-inline/);
  assert.doesNotMatch(csp, /'sha(256|384|512)-/);
  assert.doesNotMatch(csp, /'nonce-/);
  assert.match(csp, /script-src 'self'(;|$)/);
  const directive = csp
    .split(';')
    .map((d) => d.trim())
    .find((d) => d.startsWith('form-action '));
  assert.equal(directive, `form-action ${formAction}`);
}

/** Hidden fields of the page's form, unescaped as a browser would read them. */
function hiddenFields(page: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [, name, value] of page.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    out[name!] = value!
      .replaceAll('&quot;', '"')
      .replaceAll('&#39;', "'")
      .replaceAll('&lt;', '<')
      .replaceAll('&gt;', '>')
      .replaceAll('&amp;', '&');
  }
  return out;
}

function formAction(page: string): string {
  const action = /<form method="post" action="([^"]+)"/.exec(page)?.[1];
  assert.ok(action, `no form on page:\n${page.slice(0, 1500)}`);
  return action.replaceAll('&amp;', '&');
}

/** Warden's page frame: its stylesheet, no inline script or style. */
function assertWardenPage(page: string): void {
  assert.match(page, /<link rel="stylesheet" href="\/assets\/warden\.css">/);
  assert.doesNotMatch(page, /<script>|<script(?![^>]*\bsrc=)[^>]*>/);
  assert.doesNotMatch(page, /<style|style="/);
}

/** A small relying party: the redirect_uri that records each form post it receives. */
async function listenAsClient(): Promise<{ server: Server; uri: string; posts: Promise<URLSearchParams> }> {
  let received: (body: URLSearchParams) => void = () => {};
  const posts = new Promise<URLSearchParams>((resolve, reject) => {
    received = resolve;
    setTimeout(() => reject(new Error('the redirect_uri received no form post')), 15_000).unref();
  });
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('received');
      if (req.method === 'POST') received(new URLSearchParams(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, uri: `http://localhost:${port}/`, posts };
}

describe('OAuth 2.0 Form Post Response Mode on Warden’s page', () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(() => browser?.close());

  it('OAuth 2.0 Form Post Response Mode §2: Chromium posts code and state to the client’s redirect_uri, and the code redeems', async () => {
    const rp = await listenAsClient();
    let context: BrowserContext | undefined;
    try {
      const config = await relyingParty(w, 'fabrikam');
      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: rp.uri,
        scope: 'openid profile',
        response_mode: 'form_post',
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
      });
      context = await browser.newContext();
      const page = await context.newPage();
      const violations: string[] = [];
      page.on('console', (message) => {
        if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
      });
      // The form post page answers the resumed authorization (`/authorize/{uid}`); by the time a
      // test could read its body the browser has left it, so its headers are kept as they arrive.
      let formPostCsp: string | null | undefined;
      page.on('response', (response) => {
        if (/\/oauth2\/v2\.0\/authorize\/[^/?]+$/.test(new URL(response.url()).pathname)) {
          formPostCsp = response.headers()['content-security-policy'] ?? null;
        }
      });
      await page.goto(url.href);
      await page.fill('#username', 'john@fabrikam.example');
      await page.fill('#password', w.demo.password);
      await page.click('button[type=submit]');
      const posted = await rp.posts;
      assert.equal(posted.get('state'), state);
      assert.match(posted.get('code') ?? '', /^[\w-]{20,}$/);
      assert.equal(posted.get('iss'), w.issuer('fabrikam'));
      await page.waitForURL(rp.uri);
      assert.ok(formPostCsp !== undefined, 'the browser passed the form post page');
      assertStrictCsp(formPostCsp, `'self' ${new URL(rp.uri).origin}`);
      assert.deepEqual(violations, []);

      // The posted response is a real one: openid-client redeems it as the client would.
      const callback = new Request(rp.uri, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: posted.toString(),
      });
      const tokens = await client.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: verifier,
        expectedState: state,
      });
      assert.equal(tokens.claims()?.preferred_username, 'john@fabrikam.example');
    } finally {
      await context?.close();
      rp.server.closeAllConnections();
      rp.server.close();
    }
  });

  it('OAuth 2.0 Form Post Response Mode §2: the values are HTML-escaped, the form posts to the redirect_uri and nowhere else', async () => {
    const state = `"><script>alert(1)</script>'&x`;
    const start = await startAuthorization(w, 'fabrikam', { response_mode: 'form_post', state });
    const ua = new UserAgent();
    await ua.navigate(start.url);
    await ua.submit('password', { username: 'john@fabrikam.example', password: w.demo.password });
    assert.match(ua.lastPage, /data-step="form_post"/);
    assertWardenPage(ua.lastPage);
    assert.doesNotMatch(ua.lastPage, /<script>alert/);
    assert.equal(formAction(ua.lastPage), REDIRECT_URI);
    const fields = hiddenFields(ua.lastPage);
    assert.equal(fields.state, state);
    assert.match(fields.code ?? '', /^[\w-]{20,}$/);
  });

  it('OAuth 2.0 Form Post Response Mode §2: an error response is posted the same way, under the same CSP', async () => {
    const start = await startAuthorization(w, 'fabrikam', { response_mode: 'form_post', prompt: 'none' });
    const response = await fetch(start.url, { redirect: 'manual' });
    const page = await response.text();
    assert.match(page, /data-step="form_post"/);
    assertWardenPage(page);
    assertStrictCsp(
      response.headers.get('content-security-policy'),
      `'self' ${new URL(REDIRECT_URI).origin}`,
    );
    assert.equal(formAction(page), REDIRECT_URI);
    const fields = hiddenFields(page);
    assert.equal(fields.error, 'login_required');
    assert.equal(fields.state, start.state);
  });

  it('OAuth 2.0 Form Post Response Mode: discovery advertises form_post, which works', async () => {
    const discovery = (await (
      await fetch(`${w.issuer('contoso')}/.well-known/openid-configuration`)
    ).json()) as {
      response_modes_supported: string[];
    };
    assert.ok(discovery.response_modes_supported.includes('form_post'));
  });
});

describe('OIDC RP-Initiated Logout 1.0 on Warden’s pages', () => {
  it('RP-Initiated Logout §2: the confirmation is Warden’s page under the strict CSP, and Yes ends the authority’s session', async () => {
    const start = await startAuthorization(w, 'fabrikam');
    const { ua } = await signIn(w, start, { upn: 'john@fabrikam.example' });
    const endSession = `${w.baseUrl}/${w.demo.tenants.fabrikam!.id}/oauth2/v2.0/logout`;
    const response = await ua.request(`${endSession}?client_id=warden-cli`);
    const page = await response.text();
    assert.equal(response.status, 200);
    assert.match(page, /data-step="logout_confirm"/);
    assertWardenPage(page);
    assertStrictCsp(response.headers.get('content-security-policy'), "'self'");
    assert.equal(formAction(page), `${endSession}/confirm`);
    const { xsrf } = hiddenFields(page);
    assert.ok(xsrf, 'the confirmation carries oidc-provider’s anti-CSRF secret');

    // A forged confirmation (no secret) is refused and ends nothing.
    const forged = await ua.request(`${endSession}/confirm`, { form: { logout: 'yes' } });
    assert.equal(forged.status, 400);
    const again = await startAuthorization(w, 'fabrikam');
    const landed = await ua.navigate(again.url);
    assert.ok(landed.startsWith(REDIRECT_URI), `still signed in after the forged post: ${landed}`);

    const confirmed = await ua.navigate(`${endSession}/confirm`, { form: { xsrf, logout: 'yes' } });
    assert.match(confirmed, /\/oauth2\/v2\.0\/logout\/success/);
    assert.match(ua.lastPage, /data-step="logged_out"/);
    assertWardenPage(ua.lastPage);

    // Signed out of the authority: the next sign-in asks for the password again.
    const after = await startAuthorization(w, 'fabrikam');
    await ua.navigate(after.url);
    assert.equal(ua.title(), 'Sign in');
  });

  it('RP-Initiated Logout §2: without a signed-in account the self-posting page is Warden’s, with no script hash', async () => {
    const endSession = `${w.baseUrl}/${w.demo.tenants.contoso!.id}/oauth2/v2.0/logout`;
    const ua = new UserAgent();
    const response = await ua.request(endSession);
    const page = await response.text();
    assert.equal(response.status, 200);
    assert.match(page, /data-step="form_post"/);
    assertWardenPage(page);
    assert.match(page, /<script src="\/assets\/form-post\.js"><\/script>/);
    assertStrictCsp(response.headers.get('content-security-policy'), "'self'");
    assert.equal(formAction(page), `${endSession}/confirm`);
    const fields = hiddenFields(page);
    assert.equal(fields.logout, 'yes');
    await ua.navigate(`${endSession}/confirm`, { form: fields });
    assert.match(ua.lastPage, /data-step="logged_out"/);
  });

  it('RFC 8628 §3.3.1: the verification_uri_complete page posts itself on Warden’s page, with no script hash', async () => {
    const { body } = await requestDeviceCode(w);
    const response = await fetch(body.verification_uri_complete);
    const page = await response.text();
    assert.match(page, /data-step="form_post"/);
    assertWardenPage(page);
    assertStrictCsp(response.headers.get('content-security-policy'), "'self'");
    assert.equal(hiddenFields(page).user_code, body.user_code);
  });

  it('Operations: the form-post script is served from Warden’s origin as JavaScript', async () => {
    const response = await fetch(`${w.baseUrl}/assets/form-post.js`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.match(await response.text(), /form\[data-auto-submit\]/);
  });
});
