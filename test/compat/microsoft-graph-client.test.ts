import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before } from 'node:test';
import { ClientSecretCredential } from '@azure/identity';
import { ConfidentialClientApplication, LogLevel, PublicClientApplication } from '@azure/msal-node';
import {
  type AuthenticationProvider,
  Client,
  GraphError,
  PageIterator,
} from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import { approveDevice } from '../support/device.ts';
import { GRAPH_USER_PASSWORD } from '../support/graph-users.ts';
import type { TestWarden } from '../support/harness.ts';
import { compatCheck, startCompatWarden } from './support/compat.ts';

/**
 * The Microsoft Graph JS SDK against Warden's Graph-shaped API (README "Directory administration
 * API"). The SDK attaches the bearer token only to https URLs whose host name (without the port)
 * is graph.microsoft.com's or one of `customHosts`, and builds every URL as baseUrl/version/path;
 * so an integrator sets `baseUrl` to Warden's origin and `customHosts` to its host name. Tokens
 * come from MSAL Node or @azure/identity, configured as in their own checks.
 */
let w: TestWarden;
before(async () => {
  w = await startCompatWarden();
});
after(() => w?.stop());

const quiet = {
  loggerOptions: { logLevel: LogLevel.Error, piiLoggingEnabled: false, loggerCallback: () => {} },
};
// Microsoft's own scope names: Warden's authority reads them as its Graph (tokens/resource-aliases.ts).
const GRAPH_DEFAULT = 'https://graph.microsoft.com/.default';

/** What the SDK is given besides a token: Warden's origin and its host name. */
function graphOptions() {
  return { baseUrl: w.baseUrl, customHosts: new Set([new URL(w.baseUrl).hostname]) };
}

/** An AuthenticationProvider of the SDK that asks MSAL for an app-only token of contoso-automation. */
function appOnlyProvider(): AuthenticationProvider {
  const client = w.demo.clients['contoso-automation']!;
  const msal = new ConfidentialClientApplication({
    auth: {
      clientId: client.clientId,
      clientSecret: client.clientSecret!,
      authority: `${w.baseUrl}/contoso.example`,
      knownAuthorities: [new URL(w.baseUrl).host],
    },
    system: quiet,
  });
  return {
    getAccessToken: async () =>
      (await msal.acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] }))!.accessToken,
  };
}

async function contosoUserIds(): Promise<string[]> {
  const rows = await w.ctx.db
    .selectFrom('users')
    .select('id')
    .where('tenant_id', '=', w.demo.tenants.contoso!.id)
    .execute();
  return rows.map((r) => r.id).sort();
}

compatCheck(
  'Microsoft Graph JS SDK',
  'Client.initWithMiddleware + PageIterator over /users with $top (app-only token from MSAL Node)',
  'customHosts: new Set([hostname])',
  async () => {
    const client = Client.initWithMiddleware({ authProvider: appOnlyProvider(), ...graphOptions() });
    const first = await client.api('/users').top(2).select(['id', 'userPrincipalName']).get();
    assert.equal(first.value.length, 2);
    assert.match(first['@odata.nextLink'], new RegExp(`^${w.baseUrl}/v1\\.0/users\\?`));

    const seen: string[] = [];
    const iterator = new PageIterator(client, first, (user: { id: string; userPrincipalName: string }) => {
      assert.match(user.userPrincipalName, /@contoso\.example$/);
      seen.push(user.id);
      return true;
    });
    await iterator.iterate();
    assert.equal(iterator.isComplete(), true);
    // Every user of the tenant exactly once, from at least three pages of two the SDK followed
    // by @odata.nextLink (with the token attached each time: an unauthenticated page is a 401).
    const expected = await contosoUserIds();
    assert.ok(expected.length > 4, `${expected.length} users`);
    assert.deepEqual([...seen].sort(), expected);
  },
);

compatCheck(
  'Microsoft Graph JS SDK',
  'Client.init with a token callback: create, update and delete a user (delegated, MSAL Node device code)',
  'customHosts: new Set([hostname])',
  async () => {
    // Jane, Global Administrator of Contoso, signs in once by device code (with MFA, which
    // Warden requires of administrators); MSAL then serves Graph tokens from its cache.
    const msal = new PublicClientApplication({
      auth: {
        clientId: w.demo.clients['warden-cli']!.clientId,
        authority: `${w.baseUrl}/contoso.example`,
        knownAuthorities: [new URL(w.baseUrl).host],
      },
      system: quiet,
    });
    let approval: Promise<unknown> | undefined;
    const signedIn = await msal.acquireTokenByDeviceCode({
      scopes: ['https://graph.microsoft.com/Directory.AccessAsUser.All'],
      deviceCodeCallback: (response) => {
        approval = approveDevice(w, response.verificationUri, response.userCode, 'jane@contoso.example');
      },
    });
    await approval;
    const account = signedIn!.account!;
    const client = Client.init({
      authProvider: (done) => {
        msal
          .acquireTokenSilent({ account, scopes: ['https://graph.microsoft.com/Directory.AccessAsUser.All'] })
          .then(
            (result) => done(null, result.accessToken),
            (error: Error) => done(error, null),
          );
      },
      ...graphOptions(),
    });

    const local = `sdk-${randomUUID().slice(0, 8)}`;
    const created = await client.api('/users').post({
      accountEnabled: true,
      displayName: 'Graph SDK user',
      mailNickname: local,
      userPrincipalName: `${local}@contoso.example`,
      passwordProfile: { password: GRAPH_USER_PASSWORD, forceChangePasswordNextSignIn: true },
    });
    assert.match(created.id, /^[0-9a-f-]{36}$/);
    assert.equal(created.userPrincipalName, `${local}@contoso.example`);

    await client
      .api(`/users/${created.id}`)
      .patch({ displayName: 'Graph SDK user (renamed)', accountEnabled: false });
    const read = await client.api(`/users/${created.id}`).select(['displayName', 'accountEnabled']).get();
    assert.equal(read.displayName, 'Graph SDK user (renamed)');
    assert.equal(read.accountEnabled, false);

    await client.api(`/users/${created.id}`).delete();
    const gone = await client
      .api(`/users/${created.id}`)
      .get()
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    assert.ok(gone instanceof GraphError, String(gone));
    assert.equal(gone.statusCode, 404);
    assert.equal(gone.code, 'Request_ResourceNotFound');
  },
);

compatCheck(
  'Microsoft Graph JS SDK',
  "Errors surface as GraphError with Graph's code and statusCode (TokenCredentialAuthenticationProvider + @azure/identity)",
  'customHosts: new Set([hostname])',
  async () => {
    const app = w.demo.clients['contoso-automation']!;
    const credential = new ClientSecretCredential(
      w.demo.tenants.contoso!.domain,
      app.clientId,
      app.clientSecret!,
      {
        authorityHost: w.baseUrl,
        disableInstanceDiscovery: true,
      },
    );
    const authProvider = new TokenCredentialAuthenticationProvider(credential, { scopes: [GRAPH_DEFAULT] });
    const client = Client.initWithMiddleware({ authProvider, ...graphOptions() });

    const caught = async (request: Promise<unknown>) =>
      request.then(
        () => assert.fail('the request succeeded'),
        (error: unknown) => {
          assert.ok(error instanceof GraphError, String(error));
          return error;
        },
      );
    // The automation app holds User.Read.All only: writing is refused with Graph's 403.
    const denied = await caught(
      client.api('/users').post({
        accountEnabled: true,
        displayName: 'Refused',
        mailNickname: 'refused',
        userPrincipalName: 'refused@contoso.example',
        passwordProfile: { password: GRAPH_USER_PASSWORD },
      }),
    );
    assert.equal(denied.statusCode, 403);
    assert.equal(denied.code, 'Authorization_RequestDenied');
    assert.match(denied.requestId ?? '', /^[0-9a-f-]{36}$/);
    assert.ok(denied.date instanceof Date && !Number.isNaN(denied.date.getTime()));

    const missing = await caught(client.api(`/users/${randomUUID()}`).get());
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.code, 'Request_ResourceNotFound');

    const unsupported = await caught(client.api('/users').query({ $skiptoken: 'not-a-token' }).get());
    assert.equal(unsupported.statusCode, 400);
    assert.equal(unsupported.code, 'Request_UnsupportedQuery');
  },
);
