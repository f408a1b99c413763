import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LogLevel, ProtocolMode, PublicClientApplication } from '@azure/msal-node';
import { decodeJwt } from 'jose';
import type { Browser } from 'playwright-core';
import { launchChromium } from './support/browser.ts';
import { startWarden, type TestWarden } from './support/harness.ts';

/**
 * MSAL Node's interactive sign-in asks for `response_mode=form_post` to its loopback listener
 * (RFC 8252 §7.3), so it works only if Warden's form post page reaches the client under the
 * strict CSP. The browser is Chromium; MSAL runs its own listener and redeems the code itself.
 */
describe('interop: @azure/msal-node acquireTokenInteractive in Chromium (OAuth 2.0 Form Post Response Mode)', () => {
  let w: TestWarden;
  let browser: Browser;
  before(async () => {
    w = await startWarden({ tls: true });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await w?.stop();
  });

  test('OAuth 2.0 Form Post Response Mode §2: MSAL’s loopback listener receives the code from Warden’s page and gets John’s token', async () => {
    const app = new PublicClientApplication({
      auth: {
        clientId: 'warden-cli',
        authority: `${w.baseUrl}/fabrikam.example`,
        knownAuthorities: [new URL(w.baseUrl).host],
      },
      system: {
        protocolMode: ProtocolMode.OIDC,
        loggerOptions: { logLevel: LogLevel.Error, piiLoggingEnabled: false, loggerCallback: () => {} },
      },
    });
    // The harness's certificate is self-signed; this process trusts it, the browser is told to.
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const violations: string[] = [];
    try {
      const result = await app.acquireTokenInteractive({
        scopes: ['urn:warden:partner-api/user_impersonation'],
        loginHint: 'john@fabrikam.example',
        successTemplate: 'Signed in. You can close this window.',
        openBrowser: async (url) => {
          assert.equal(new URL(url).searchParams.get('response_mode'), 'form_post');
          const page = await context.newPage();
          page.on('console', (message) => {
            if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
          });
          await page.goto(url);
          assert.equal(await page.inputValue('#username'), 'john@fabrikam.example');
          await page.fill('#password', w.demo.password);
          await page.click('button[type=submit]');
          // Lands on MSAL's listener, or fails here (MSAL then closes its listener and rethrows).
          await page.waitForURL((at) => at.protocol === 'http:' && at.hostname === 'localhost', {
            timeout: 15_000,
          });
        },
      });
      const claims = decodeJwt(result.accessToken);
      assert.equal(claims.aud, 'urn:warden:partner-api');
      assert.equal(claims.upn, 'john@fabrikam.example');
      assert.equal(result.account?.username, 'john@fabrikam.example');
      assert.deepEqual(violations, []);
    } finally {
      await context.close();
    }
  });
});
