import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createApplication } from '../src/directory/applications.ts';
import { GRAPH_API } from '../src/tokens/audiences.ts';
import { graphAppToken, graphToken } from './support/graph.ts';
import { applicationsApi } from './support/graph-applications.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { appOnlyToken, callApi } from './support/tokens.ts';
import { makeUser } from './support/users.ts';

describe('Graph API: who may manage which application', () => {
  let w: TestWarden;
  let admin: string;
  let api: ReturnType<typeof applicationsApi>;
  before(async () => {
    w = await startWarden();
    admin = await graphToken(w, (await makeUser(w, { roles: ['Global Administrator'], totp: true })).upn);
    api = applicationsApi(w, admin);
  });
  after(() => w.stop());
  const register = (body: unknown, token = admin) => api.register(body, token);
  const addPassword = (id: string, passwordCredential: unknown = {}) =>
    api.addPassword(id, passwordCredential);

  it('STYLE 5: tenant scoping: Contoso never sees, changes or deletes Fabrikam’s applications', async () => {
    const { application } = await createApplication(
      w.ctx.db,
      w.ctx.secrets,
      w.demo.tenants.fabrikam!.id,
      { displayName: 'Fabrikam secret app', clientType: 'confidential', allowedScopes: [] },
      w.clock.now(),
    );
    const list = await callApi(w, 'GET', `/v1.0/applications?$filter=startswith(displayName,'Fabrikam')`, {
      token: admin,
    });
    assert.deepEqual(list.body.value, []);
    const all = await callApi(w, 'GET', '/v1.0/applications?$top=999', { token: admin });
    assert.ok(!all.body.value.some((a: { appId: string }) => a.appId === application.id));
    assert.ok(
      !all.body.value.some((a: { appId: string }) => a.appId === w.demo.clients['warden-cli']!.clientId),
      'operator apps neither',
    );
    for (const [method, path, body] of [
      ['GET', `/v1.0/applications/${application.objectId}`, undefined],
      ['PATCH', `/v1.0/applications/${application.objectId}`, { displayName: 'pwned' }],
      ['DELETE', `/v1.0/applications/${application.objectId}`, undefined],
      ['POST', `/v1.0/applications/${application.objectId}/addPassword`, { passwordCredential: {} }],
    ] as const) {
      const response = await callApi(w, method, path, { token: admin, ...(body ? { body } : {}) });
      assert.equal(response.status, 404, `${method} ${path}`);
    }
  });

  it('Entra rules: Security and Billing administrators and the automation client cannot manage applications; SPEC §5: a user without MFA gets 401', async () => {
    const asRole = async (role: 'Security Administrator' | 'Billing Administrator') =>
      graphToken(w, (await makeUser(w, { roles: [role], totp: true })).upn);
    const sky = await asRole('Security Administrator');
    const bill = await asRole('Billing Administrator');
    const automation = await graphAppToken(w);
    for (const token of [sky, bill, automation]) {
      const listed = await callApi(w, 'GET', '/v1.0/applications', { token });
      assert.equal(listed.status, 403);
      assert.equal(listed.body.error.code, 'Authorization_RequestDenied');
      const registered = await register({ displayName: 'Not allowed' }, token);
      assert.equal(registered.status, 403);
      assert.equal(registered.body.error.code, 'Authorization_RequestDenied');
    }
    // A Fabrikam admin agent: no policy asks him for MFA, so his token has none.
    const john = await graphToken(
      w,
      (await makeUser(w, { tenant: 'fabrikam', groups: ['AdminAgents'] })).upn,
    );
    const refused = await callApi(w, 'GET', '/v1.0/applications', { token: john });
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error.code, 'Authentication_MfaRequired');
    const none = await callApi(w, 'GET', `/v1.0/applications?$filter=displayName eq 'Not allowed'`, {
      token: admin,
    });
    assert.deepEqual(none.body.value, []);
  });

  it('Entra rules: an app with Application.ReadWrite.All cannot add a secret to, redirect, or delete an app granted more (no escalation to Global Administrator)', async () => {
    const withRole = async (displayName: string, role: string) => {
      const created = await register({
        displayName,
        web: { redirectUris: ['https://daemon.contoso.example/callback'] },
        requiredResourceAccess: [{ resourceAppId: GRAPH_API, resourceAccess: [{ id: role, type: 'Role' }] }],
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      // Graph paths name the application object (`id`); the token endpoint its appId.
      return created.body as { id: string; appId: string };
    };
    const manager = await withRole('app manager', 'Application.ReadWrite.All');
    const roleAdmin = await withRole('role manager', 'RoleManagement.ReadWrite.Directory');
    const peer = await withRole('peer manager', 'Application.ReadWrite.All');
    const plain = (await register({ displayName: 'no permissions', web: { redirectUris: [] } })).body
      .id as string;
    const managerSecret = (await addPassword(manager.id)).body.secretText as string;
    const token = await appOnlyToken(w, manager.appId, managerSecret, 'contoso', `${GRAPH_API}/.default`);
    const keyId = (await addPassword(roleAdmin.id)).body.keyId as string;
    const secretsOf = async (appId: string) =>
      (await callApi(w, 'GET', `/v1.0/applications/${appId}`, { token: admin })).body.passwordCredentials
        .length as number;

    const refusals = [
      await callApi(w, 'POST', `/v1.0/applications/${roleAdmin.id}/addPassword`, {
        token,
        body: { passwordCredential: {} },
      }),
      await callApi(w, 'POST', `/v1.0/applications/${roleAdmin.id}/removePassword`, {
        token,
        body: { keyId },
      }),
      await callApi(w, 'PATCH', `/v1.0/applications/${roleAdmin.id}`, {
        token,
        body: { displayName: 'hijacked', web: { redirectUris: ['https://attacker.example/cb'] } },
      }),
      await callApi(w, 'DELETE', `/v1.0/applications/${roleAdmin.id}`, { token }),
    ];
    for (const refused of refusals) {
      assert.equal(refused.status, 403, JSON.stringify(refused.body));
      assert.equal(refused.body.error.code, 'Authorization_RequestDenied');
      assert.match(refused.body.error.message, /RoleManagement\.ReadWrite\.Directory/);
    }
    // Nothing was written: one secret (the Global Administrator's), the same name and redirect URIs.
    const after = (await callApi(w, 'GET', `/v1.0/applications/${roleAdmin.id}`, { token: admin })).body;
    assert.equal(after.displayName, 'role manager');
    assert.deepEqual(after.web.redirectUris, ['https://daemon.contoso.example/callback']);
    assert.equal(await secretsOf(roleAdmin.id), 1);

    // Applications granted nothing beyond the caller's own permissions stay manageable.
    for (const appId of [peer.id, plain]) {
      const added = await callApi(w, 'POST', `/v1.0/applications/${appId}/addPassword`, {
        token,
        body: { passwordCredential: {} },
      });
      assert.equal(added.status, 200, JSON.stringify(added.body));
      const patched = await callApi(w, 'PATCH', `/v1.0/applications/${appId}`, {
        token,
        body: { displayName: `${appId} renamed` },
      });
      assert.equal(patched.status, 204);
    }
    assert.equal((await callApi(w, 'DELETE', `/v1.0/applications/${plain}`, { token })).status, 204);
    // The Global Administrator still manages the privileged application.
    assert.equal((await addPassword(roleAdmin.id)).status, 200);
  });
});
