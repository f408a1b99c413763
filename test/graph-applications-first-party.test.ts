import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createApplication, getApplication } from '../src/directory/applications.ts';
import { GRAPH_API } from '../src/tokens/audiences.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { appOnlyToken, callApi } from './support/tokens.ts';

describe('Entra rules: applications that sign users in are changed by a signed-in Global Administrator only', () => {
  let w: TestWarden;
  let token: string;
  before(async () => {
    w = await startWarden();
    const operator = w.demo.tenants.operator!.id;
    const secret = 'first-party-test-secret-0123456789abcdef';
    const { application } = await createApplication(
      w.ctx.db,
      w.ctx.secrets,
      operator,
      {
        displayName: 'operator automation',
        clientType: 'confidential',
        allowedScopes: [`${GRAPH_API}/.default`],
        grantedAppRoles: ['Application.ReadWrite.All'],
        clientSecret: secret,
      },
      w.clock.now(),
    );
    token = await appOnlyToken(w, application.id, secret, 'operator', `${GRAPH_API}/.default`);
  });
  after(() => w.stop());

  it('Entra rules: an operator application acting alone cannot redirect the first-party warden-cli client (403, nothing changed)', async () => {
    const before = await getApplication(
      w.ctx.db,
      w.demo.tenants.operator!.id,
      w.demo.clients['warden-cli']!.clientId,
    );
    const patched = await callApi(w, 'PATCH', `/v1.0/applications/${before!.objectId}`, {
      token,
      body: { publicClient: { redirectUris: ['http://localhost/', 'https://attacker.example/cb'] } },
    });
    assert.equal(patched.status, 403);
    assert.equal(patched.body.error.code, 'Authorization_RequestDenied');
    const after = await getApplication(
      w.ctx.db,
      w.demo.tenants.operator!.id,
      w.demo.clients['warden-cli']!.clientId,
    );
    assert.deepEqual(after?.redirectUris, before?.redirectUris);
  });

  it('Entra rules: an application acting alone cannot register a multi-tenant application or one with delegated scopes', async () => {
    for (const body of [
      {
        displayName: 'wide',
        signInAudience: 'AzureADMultipleOrgs',
        web: { redirectUris: ['https://x.example/cb'] },
      },
      {
        displayName: 'delegated',
        publicClient: { redirectUris: ['http://localhost/'] },
        requiredResourceAccess: [
          {
            resourceAppId: GRAPH_API,
            resourceAccess: [{ id: 'Directory.AccessAsUser.All', type: 'Scope' }],
          },
        ],
      },
    ]) {
      const created = await callApi(w, 'POST', '/v1.0/applications', { token, body });
      assert.equal(created.status, 403, `${body.displayName}: ${JSON.stringify(created.body)}`);
      assert.equal(created.body.error.code, 'Authorization_RequestDenied');
    }
  });
});
