import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { totpFor } from '../src/authentication-methods/totp.ts';
import { createApplication } from '../src/directory/applications.ts';
import { setRequireMfaForAllUsers, setSecurityDefaults } from '../src/directory/tenants.ts';
import { listUserConsents } from '../src/directory/user-consents.ts';
import { GRAPH_API } from '../src/tokens/audiences.ts';
import { launchChromium } from './support/browser.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { REDIRECT_URI, redeem, relyingParty } from './support/oidc.ts';
import { makeUser } from './support/users.ts';

/**
 * SPEC §10 in a browser: a Northwind user (no MFA policy in Northwind) who signed in to the
 * tenant's own application with the password alone opens a partner's multi-tenant application in
 * the same browser: Warden signs them in again, with their authenticator, before it shows the
 * consent page; the consent is recorded with `mfa`.
 */
const THIRD_PARTY = '16ae1e5a-25a5-46d9-865d-9d1ed393f2c7'; // contoso-browser-consent
const OWN_APP = '79cbb33a-c313-4889-8e16-6135c9b9cd83'; // northwind-browser-intranet
const SCOPE = `openid profile offline_access ${GRAPH_API}/Directory.AccessAsUser.All`;

describe('SPEC §10 in a browser: consent to a partner’s multi-tenant app needs MFA', () => {
  let w: TestWarden;
  let browser: Browser;
  before(async () => {
    w = await startWarden();
    browser = await launchChromium();
    const northwind = w.demo.tenants.northwind!.id;
    await setSecurityDefaults(w.ctx.db, northwind, false, w.clock.now());
    await setRequireMfaForAllUsers(w.ctx.db, northwind, false);
    await createApplication(w.ctx.db, w.ctx.secrets, w.demo.tenants.contoso!.id, {
      id: THIRD_PARTY,
      displayName: 'Contoso browser consent',
      clientType: 'public',
      redirectUris: [REDIRECT_URI],
      multiTenant: true,
      allowedScopes: [`${GRAPH_API}/Directory.AccessAsUser.All`],
    });
    await createApplication(w.ctx.db, w.ctx.secrets, northwind, {
      id: OWN_APP,
      displayName: 'Northwind browser intranet',
      clientType: 'public',
      redirectUris: [REDIRECT_URI],
      allowedScopes: [`${GRAPH_API}/Directory.AccessAsUser.All`],
    });
  });
  after(async () => {
    await browser?.close();
    await w?.stop();
  });

  const submit = (page: Page, action: string) =>
    page.click(`form:has(input[name=action][value="${action}"]) button[type=submit]`);
  const code = (seed: string) => {
    w.clock.advance(30_000);
    return totpFor(seed).generate({ timestamp: w.clock.now() });
  };

  /** Opens an authorize URL in the context; returns the page and a promise of the redirect back. */
  async function open(context: BrowserContext, clientId: string, scope: string) {
    const config = await relyingParty(w, 'northwind', clientId);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });
    const page = await context.newPage();
    const callback = new Promise<string>((resolve) => {
      page.on('request', (request) => {
        if (request.url().startsWith(REDIRECT_URI)) resolve(request.url());
      });
    });
    // The relying party's listener is not running: the redirect to it is caught, not loaded.
    await page.route(`${REDIRECT_URI}**`, (route) => route.fulfill({ status: 200, body: 'done' }));
    await page.goto(url.toString());
    return { start: { config, url: url.toString(), verifier, state }, page, callback };
  }

  it('SPEC §10: a password-only session adds the authenticator (only) before the consent page', async () => {
    const user = await makeUser(w, { tenant: 'northwind', name: 'chromium', totp: true });
    const context = await browser.newContext();

    const own = await open(context, OWN_APP, SCOPE);
    await own.page.fill('#username', user.upn);
    await own.page.fill('#password', user.password);
    await submit(own.page, 'password');
    assert.deepEqual(decodeJwt((await redeem(own.start, await own.callback)).access_token).amr, ['pwd']);

    // The session proved the password: only the authenticator is asked (issue 15 item 4).
    const third = await open(context, THIRD_PARTY, SCOPE);
    await third.page.waitForSelector('main[data-step=second_factor]');
    assert.equal(await third.page.locator('#password').count(), 0, 'no password field');
    await third.page.fill('#code', code(user.totpSeed!));
    await submit(third.page, 'totp');
    await third.page.waitForSelector('main[data-step=consent]');
    assert.match((await third.page.textContent('main')) ?? '', /registered by Contoso/);
    await submit(third.page, 'consent');
    const tokens = await redeem(third.start, await third.callback);
    assert.deepEqual(decodeJwt(tokens.access_token).amr, ['pwd', 'otp', 'mfa']);

    const records = await listUserConsents(w.ctx.db, w.demo.tenants.northwind!.id, {
      clientId: THIRD_PARTY,
      userId: user.id,
      limit: 10,
    });
    assert.ok(records.length > 0);
    for (const record of records) assert.deepEqual(record.proof.amr, ['pwd', 'otp', 'mfa']);
    await context.close();
  });
});
