import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import { ClientCertificateCredential, ClientSecretCredential } from '@azure/identity';
import { ConfidentialClientApplication, LogLevel, ProtocolMode } from '@azure/msal-node';
import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import { getApplication } from '../../src/directory/applications.ts';
import {
  type ClientCertificate,
  makeClientCertificate,
  registerCertificateApp,
} from '../support/client-certificates.ts';
import { graphToken } from '../support/graph.ts';
import type { TestWarden } from '../support/harness.ts';
import { callApi } from '../support/tokens.ts';
import { makeUser } from '../support/users.ts';
import { compatCheck, startCompatWarden } from './support/compat.ts';

/**
 * App-only authentication with the clients' own credential types: a certificate uploaded as a
 * Graph keyCredential (private_key_jwt, x5t / x5t#S256 as MSAL and @azure/identity send them), a
 * secret (client_secret_post) and an assertion signed with the secret (client_secret_jwt). The
 * token's appid is the application id and oid its service principal's object id.
 */
describe('Compatibility: app-only tokens with certificates and secrets', () => {
  let w: TestWarden;
  let cert: ClientCertificate;
  let app: { id: string; appId: string };
  let secret: string;
  let servicePrincipalId: string;
  let tenantId: string;
  const scope = 'urn:warden:graph/.default';

  before(async () => {
    w = await startCompatWarden();
    tenantId = w.demo.tenants.contoso!.id;
    const admin = await graphToken(
      w,
      (await makeUser(w, { roles: ['Global Administrator'], totp: true })).upn,
    );
    cert = makeClientCertificate(30);
    app = await registerCertificateApp(w, admin, [cert], 'Compat daemon');
    const added = await callApi(w, 'POST', `/v1.0/applications/${app.id}/addPassword`, {
      token: admin,
      body: { passwordCredential: { displayName: 'compat' } },
    });
    secret = String(added.body.secretText);
    servicePrincipalId = (await getApplication(w.ctx.db, tenantId, app.appId))!.servicePrincipalId;
  });
  after(() => w.stop());

  const assertAppOnly = (accessToken: string) => {
    const claims = decodeJwt(accessToken);
    assert.equal(claims.aud, 'urn:warden:graph');
    assert.equal(claims.idtyp, 'app');
    assert.equal(claims.appid, app.appId);
    assert.equal(claims.oid, servicePrincipalId);
    assert.equal(claims.tid, tenantId);
    assert.deepEqual(claims.roles, ['User.Read.All']);
  };

  compatCheck(
    'MSAL Node',
    'ConfidentialClientApplication client credentials with a certificate (clientCertificate thumbprintSha256 + privateKey)',
    'knownAuthorities: [host], protocolMode OIDC',
    async () => {
      const msal = new ConfidentialClientApplication({
        auth: {
          clientId: app.appId,
          authority: `${w.baseUrl}/contoso.example`,
          knownAuthorities: [new URL(w.baseUrl).host],
          clientCertificate: { thumbprintSha256: cert.sha256Hex, privateKey: cert.keyPem },
        },
        system: {
          protocolMode: ProtocolMode.OIDC,
          loggerOptions: { logLevel: LogLevel.Error, piiLoggingEnabled: false, loggerCallback: () => {} },
        },
      });
      const result = await msal.acquireTokenByClientCredential({ scopes: [scope] });
      assert.ok(result?.accessToken);
      assertAppOnly(result.accessToken);
    },
  );

  compatCheck(
    '@azure/identity',
    'ClientCertificateCredential (certificate and key PEM)',
    'authorityHost, disableInstanceDiscovery: true',
    async () => {
      const credential = new ClientCertificateCredential(
        tenantId,
        app.appId,
        { certificate: `${cert.pem}\n${cert.keyPem}` },
        { authorityHost: w.baseUrl, disableInstanceDiscovery: true },
      );
      const token = await credential.getToken(scope);
      assertAppOnly(token.token);
    },
  );

  compatCheck(
    '@azure/identity',
    'ClientSecretCredential',
    'authorityHost, disableInstanceDiscovery: true',
    async () => {
      const credential = new ClientSecretCredential(tenantId, app.appId, secret, {
        authorityHost: w.baseUrl,
        disableInstanceDiscovery: true,
      });
      const token = await credential.getToken(scope);
      assertAppOnly(token.token);
    },
  );

  compatCheck('openid-client', 'client credentials with ClientSecretJwt', 'none', async () => {
    const config = await client.discovery(
      new URL(w.issuer('contoso')),
      app.appId,
      undefined,
      client.ClientSecretJwt(secret),
    );
    const tokens = await client.clientCredentialsGrant(config, { scope });
    assertAppOnly(tokens.access_token);
  });

  compatCheck(
    'openid-client',
    'client credentials with PrivateKeyJwt (certificate key, x5t#S256)',
    'none',
    async () => {
      const key = await crypto.subtle.importKey(
        'pkcs8',
        cert.privateKey.export({ format: 'der', type: 'pkcs8' }),
        { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
        false,
        ['sign'],
      );
      const config = await client.discovery(
        new URL(w.issuer('contoso')),
        app.appId,
        undefined,
        client.PrivateKeyJwt(key, {
          [client.modifyAssertion]: (header) => {
            header['x5t#S256'] = cert.x5tS256;
          },
        }),
      );
      const tokens = await client.clientCredentialsGrant(config, { scope });
      assertAppOnly(tokens.access_token);
    },
  );
});
