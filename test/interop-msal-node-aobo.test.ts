import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LogLevel, ProtocolMode, PublicClientApplication } from '@azure/msal-node';
import { decodeJwt } from 'jose';
import { approveDevice } from './support/device.ts';
import { GLOBAL_ADMIN } from './support/gdap.ts';
import { startWarden, type TestWarden } from './support/harness.ts';

/** SPEC E3 with Microsoft's own library, configured as for any OIDC authority (compat/msal-node.test.ts). */
describe('Interop: @azure/msal-node gets an admin-on-behalf-of token at a customer’s authority', () => {
  let w: TestWarden;
  before(async () => {
    w = await startWarden({ tls: true });
  });
  after(() => w.stop());

  test('Interop: acquireTokenByDeviceCode as Jane at northwind.example, then acquireTokenSilent for Graph: customer tid, partner idp, wids', async () => {
    const host = new URL(w.baseUrl).host;
    const app = new PublicClientApplication({
      auth: { clientId: 'warden-cli', authority: `${w.baseUrl}/northwind.example`, knownAuthorities: [host] },
      system: {
        protocolMode: ProtocolMode.OIDC,
        loggerOptions: { logLevel: LogLevel.Error, piiLoggingEnabled: false, loggerCallback: () => {} },
      },
    });
    let user: Promise<unknown> | undefined;
    const result = await app.acquireTokenByDeviceCode({
      scopes: ['urn:warden:partner-api/user_impersonation', 'urn:warden:graph/Directory.AccessAsUser.All'],
      deviceCodeCallback: (response) => {
        user = approveDevice(w, response.verificationUri, response.userCode, 'jane@contoso.example');
      },
    });
    await user;
    assert.ok(result?.accessToken);
    assert.equal(result.account?.username, 'jane@contoso.example');
    assert.equal(result.tenantId, w.demo.tenants.northwind!.id);
    const graph = await app.acquireTokenSilent({
      account: result.account!,
      scopes: ['urn:warden:graph/.default'],
    });
    const claims = decodeJwt(graph.accessToken);
    assert.equal(claims.aud, 'urn:warden:graph');
    assert.equal(claims.tid, w.demo.tenants.northwind!.id);
    assert.equal(claims.idp, w.issuer('contoso'));
    assert.equal(claims.oid, w.demo.users['jane@contoso.example']!.id);
    assert.deepEqual(claims.wids, [GLOBAL_ADMIN]);
    assert.ok((claims.amr as string[]).includes('mfa'));
  });
});
