import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import {
  ConfidentialClientApplication,
  type Configuration,
  LogLevel,
  PublicClientApplication,
} from '@azure/msal-node';
import { decodeJwt } from 'jose';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser.ts';
import { approveDevice } from '../support/device.ts';
import type { TestWarden } from '../support/harness.ts';
import { compatCheck, startCompatWarden } from './support/compat.ts';

/**
 * Microsoft's MSAL Node against Warden, configured as an integrator would for an authority that is
 * not Microsoft's: the tenant's https authority and its host in `knownAuthorities` (MSAL then skips
 * instance discovery and reads the tenant's `/v2.0/.well-known/openid-configuration`). MSAL's
 * default protocol mode (AAD) works: Warden answers its `client_info=1` as Entra does. Trust is the
 * harness's certificate, as NODE_EXTRA_CA_CERTS gives it.
 */
let w: TestWarden;
let browser: Browser | undefined;
before(async () => {
  w = await startCompatWarden();
});
after(async () => {
  await browser?.close();
  await w?.stop();
});

const quiet = { logLevel: LogLevel.Error, piiLoggingEnabled: false, loggerCallback: () => {} };

/** MSAL's configuration for `tenant`: only the authority and its host are Warden's. */
function msalAuth(
  tenant: string,
): Pick<Configuration, 'system'> & { authority: string; knownAuthorities: string[] } {
  return {
    authority: `${w.baseUrl}/${tenant}`,
    knownAuthorities: [new URL(w.baseUrl).host],
    system: { loggerOptions: quiet },
  };
}

function publicClient(tenant: string): PublicClientApplication {
  const { system, ...auth } = msalAuth(tenant);
  return new PublicClientApplication({
    auth: { clientId: w.demo.clients['warden-cli']!.clientId, ...auth },
    system,
  });
}

/** Jane signs in by device code (RFC 8628), approving on "another device" while MSAL polls. */
async function janeByDeviceCode(app: PublicClientApplication, scopes: string[]) {
  let user: Promise<unknown> | undefined;
  let shown: { message: string; userCode: string } | undefined;
  const result = await app.acquireTokenByDeviceCode({
    scopes,
    deviceCodeCallback: (response) => {
      shown = response;
      user = approveDevice(w, response.verificationUri, response.userCode, 'jane@contoso.example');
    },
  });
  await user;
  assert.ok(shown && result?.accessToken);
  return { result, shown };
}

compatCheck(
  'MSAL Node',
  'ConfidentialClientApplication.acquireTokenByClientCredential (client secret)',
  'knownAuthorities: [host]',
  async () => {
    const client = w.demo.clients['contoso-automation']!;
    const { system, ...auth } = msalAuth('contoso.example');
    const app = new ConfidentialClientApplication({
      auth: { clientId: client.clientId, clientSecret: client.clientSecret!, ...auth },
      system,
    });
    const result = await app.acquireTokenByClientCredential({
      scopes: ['https://api.partnercenter.microsoft.com/.default'],
    });
    assert.ok(result?.accessToken);
    const claims = decodeJwt(result.accessToken);
    assert.equal(claims.aud, 'urn:warden:partner-api');
    assert.equal(claims.idtyp, 'app');
    assert.equal(claims.appid, client.clientId);
    assert.equal(claims.tid, w.demo.tenants.contoso!.id);
    assert.ok(
      Array.isArray(claims.roles) && claims.roles.includes('Partner.Read.All'),
      JSON.stringify(claims.roles),
    );
    assert.equal(claims.amr, undefined);
    // MSAL's cache answers the second call: the token is reused, not fetched again.
    const again = await app.acquireTokenByClientCredential({
      scopes: ['https://api.partnercenter.microsoft.com/.default'],
    });
    assert.equal(again?.accessToken, result.accessToken);
    assert.equal(again?.fromCache, true);
  },
);

compatCheck(
  'MSAL Node',
  'PublicClientApplication.acquireTokenByDeviceCode',
  'knownAuthorities: [host]',
  async () => {
    const app = publicClient('contoso.example');
    const { result, shown } = await janeByDeviceCode(app, ['urn:warden:partner-api/user_impersonation']);
    assert.match(shown.message, /deviceauth and enter the code [A-Z]{4}-[A-Z]{4}/);
    const claims = decodeJwt(result.accessToken);
    assert.equal(claims.aud, 'urn:warden:partner-api');
    assert.equal(claims.upn, 'jane@contoso.example');
    assert.equal(claims.scp, 'user_impersonation');
    assert.ok((claims.amr as string[]).includes('mfa'), JSON.stringify(claims.amr));
    assert.equal(result.account?.username, 'jane@contoso.example');
    assert.equal(result.account?.tenantId, w.demo.tenants.contoso!.id);
    assert.equal(
      result.idTokenClaims && (result.idTokenClaims as { oid?: string }).oid,
      w.demo.users['jane@contoso.example']!.id,
    );
  },
);

compatCheck(
  'MSAL Node',
  'PublicClientApplication.acquireTokenSilent (refresh token, same and second resource of the sign-in)',
  'knownAuthorities: [host]',
  async () => {
    const app = publicClient('contoso.example');
    const { result } = await janeByDeviceCode(app, [
      'urn:warden:partner-api/user_impersonation',
      'urn:warden:graph/Directory.AccessAsUser.All',
    ]);
    const first = decodeJwt(result.accessToken);
    assert.equal(first.aud, 'urn:warden:partner-api');
    const [account] = await app.getTokenCache().getAllAccounts();
    assert.equal(account?.homeAccountId, result.account!.homeAccountId);

    // A cached token is served from the cache; forceRefresh redeems the refresh token.
    const cached = await app.acquireTokenSilent({
      account: account!,
      scopes: ['urn:warden:partner-api/user_impersonation'],
    });
    assert.equal(cached.fromCache, true);
    const refreshed = await app.acquireTokenSilent({
      account: account!,
      scopes: ['urn:warden:partner-api/user_impersonation'],
      forceRefresh: true,
    });
    assert.equal(refreshed.fromCache, false);
    assert.notEqual(refreshed.accessToken, result.accessToken);
    assert.equal(decodeJwt(refreshed.accessToken).upn, 'jane@contoso.example');

    // The refresh token also serves the sign-in's second resource (one audience per token).
    const graph = await app.acquireTokenSilent({ account: account!, scopes: ['urn:warden:graph/.default'] });
    const graphClaims = decodeJwt(graph.accessToken);
    assert.equal(graph.fromCache, false);
    assert.equal(graphClaims.aud, 'urn:warden:graph');
    assert.equal(graphClaims.scp, 'Directory.AccessAsUser.All');
    // The sign-in's MFA stays in every token of the chain.
    assert.deepEqual(graphClaims.amr, first.amr);
    assert.deepEqual(decodeJwt(refreshed.accessToken).amr, first.amr);
  },
);

compatCheck(
  'MSAL Node',
  'PublicClientApplication.acquireTokenInteractive (system browser, loopback, form_post)',
  'knownAuthorities: [host]',
  async () => {
    // OAuth 2.0 Form Post Response Mode §2: MSAL asks for response_mode=form_post to its loopback
    // listener (RFC 8252 §7.3); Warden's post-back page must reach it under Warden's strict CSP.
    browser ??= await launchChromium();
    const app = publicClient('fabrikam.example');
    // The harness's certificate is self-signed: this process trusts it, the browser is told to.
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
          assert.match(await page.content(), /Signed in\. You can close this window\./);
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
  },
);
