import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ConfidentialClientApplication,
  LogLevel,
  ProtocolMode,
  PublicClientApplication,
} from '@azure/msal-node';
import { decodeJwt } from 'jose';
import { approveDevice } from './support/device.ts';
import { startWarden, type TestWarden } from './support/harness.ts';

/**
 * Interop with Microsoft's own library (issue 4 item 5), configured as an integrator would for a
 * non-Microsoft OIDC authority: an https authority per tenant, its host in knownAuthorities, and
 * protocolMode OIDC. Warden serves https with the harness's self-signed certificate, which this
 * process trusts as NODE_EXTRA_CA_CERTS would make it (support/tls.ts).
 */
describe('Interop: @azure/msal-node against Warden over HTTPS', () => {
  let w: TestWarden;
  let authority: string;
  let host: string;
  before(async () => {
    w = await startWarden({ tls: true });
    host = new URL(w.baseUrl).host;
    authority = `${w.baseUrl}/contoso.example`;
  });
  after(() => w.stop());

  const system = {
    protocolMode: ProtocolMode.OIDC,
    loggerOptions: { logLevel: LogLevel.Error, piiLoggingEnabled: false, loggerCallback: () => {} },
  };

  test('Interop: ConfidentialClientApplication.acquireTokenByClientCredential gets an app-only Partner API token', async () => {
    const app = new ConfidentialClientApplication({
      auth: {
        clientId: 'contoso-automation',
        clientSecret: w.demo.clients['contoso-automation']!.clientSecret!,
        authority,
        knownAuthorities: [host],
      },
      system,
    });
    const result = await app.acquireTokenByClientCredential({ scopes: ['urn:warden:partner-api/.default'] });
    assert.ok(result?.accessToken);
    const claims = decodeJwt(result.accessToken);
    assert.equal(claims.aud, 'urn:warden:partner-api');
    assert.equal(claims.idtyp, 'app');
    assert.equal(claims.appid, w.demo.clients['contoso-automation']!.clientId);
    assert.equal(claims.tid, w.demo.tenants.contoso!.id);
    assert.ok(Array.isArray(claims.roles) && claims.roles.length > 0, JSON.stringify(claims.roles));
    assert.equal(claims.amr, undefined);
  });

  test('Interop: PublicClientApplication.acquireTokenByDeviceCode as Jane (TOTP), then acquireTokenSilent for Graph from the refresh token', async () => {
    const app = new PublicClientApplication({
      auth: { clientId: 'warden-cli', authority, knownAuthorities: [host] },
      system,
    });
    let user: Promise<unknown> | undefined;
    let shown: { message: string; userCode: string } | undefined;
    const result = await app.acquireTokenByDeviceCode({
      scopes: ['urn:warden:partner-api/user_impersonation', 'urn:warden:graph/Directory.AccessAsUser.All'],
      deviceCodeCallback: (response) => {
        shown = response;
        // The user, on another device, while MSAL polls.
        user = approveDevice(w, response.verificationUri, response.userCode, 'jane@contoso.example');
      },
    });
    await user;
    assert.ok(shown && result?.accessToken);
    assert.match(shown.message, /deviceauth and enter the code [A-Z]{4}-[A-Z]{4}/);
    const claims = decodeJwt(result.accessToken);
    assert.equal(claims.aud, 'urn:warden:partner-api');
    assert.equal(claims.upn, 'jane@contoso.example');
    assert.ok((claims.amr as string[]).includes('mfa'), JSON.stringify(claims.amr));
    assert.equal(result.account?.username, 'jane@contoso.example');

    // Item 2: MSAL redeems the refresh token for another resource of the same sign-in.
    const graph = await app.acquireTokenSilent({
      account: result.account!,
      scopes: ['urn:warden:graph/.default'],
    });
    const graphClaims = decodeJwt(graph.accessToken);
    assert.equal(graphClaims.aud, 'urn:warden:graph');
    assert.equal(graphClaims.scp, 'Directory.AccessAsUser.All');
    assert.deepEqual(graphClaims.amr, claims.amr);
  });
});
