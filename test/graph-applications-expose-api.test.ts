import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { graphToken } from './support/graph.ts';
import { applicationsApi } from './support/graph-applications.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { callApi, userToken } from './support/tokens.ts';
import { type MadeUser, makeUser } from './support/users.ts';

/*
 * Entra's "expose an API" through Graph (issue 13): identifierUris, api.oauth2PermissionScopes and
 * appRoles on an application make it a resource at its tenant's authority, with Entra v2.0 tokens
 * (`aud` its appId). api.wardenAccessTokenType is Warden's extension (docs/resources.md).
 */
describe('Graph API: applications that expose an API', () => {
  let w: TestWarden;
  let admin: MadeUser;
  let token: string;
  before(async () => {
    w = await startWarden();
    admin = await makeUser(w, { roles: ['Global Administrator'], totp: true });
    token = await graphToken(w, admin.upn);
  });
  after(() => w.stop());

  const scopeId = randomUUID();
  const roleId = randomUUID();
  const exposed = {
    api: {
      oauth2PermissionScopes: [
        { id: scopeId, value: 'access_as_user', type: 'User', adminConsentDisplayName: 'Access the API' },
      ],
    },
    appRoles: [
      { id: roleId, value: 'Orders.Read', allowedMemberTypes: ['Application'], displayName: 'Read' },
    ],
  };

  async function registerApi(displayName: string) {
    const created = await applicationsApi(w, token).register({ displayName, ...exposed });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const appId = created.body.appId as string;
    const patched = await callApi(w, 'PATCH', `/v1.0/applications/${created.body.id}`, {
      token,
      body: { identifierUris: [`api://${appId}`] },
    });
    assert.equal(patched.status, 204, JSON.stringify(patched.body));
    return { id: created.body.id as string, appId, created: created.body };
  }

  it('Graph application resource: POST and PATCH take identifierUris, api.oauth2PermissionScopes and appRoles; GET returns them', async () => {
    const { id, appId, created } = await registerApi('Orders API');
    assert.deepEqual(created.identifierUris, []);
    assert.deepEqual(created.api.oauth2PermissionScopes, [
      {
        id: scopeId,
        value: 'access_as_user',
        type: 'User',
        isEnabled: true,
        adminConsentDisplayName: 'Access the API',
        adminConsentDescription: null,
        userConsentDisplayName: null,
        userConsentDescription: null,
      },
    ]);
    assert.equal(created.api.requestedAccessTokenVersion, 2);
    assert.equal(created.api.wardenAccessTokenType, 'JWT');
    assert.deepEqual(created.appRoles[0].allowedMemberTypes, ['Application']);
    const read = await callApi(w, 'GET', `/v1.0/applications/${id}`, { token });
    assert.equal(read.status, 200);
    assert.deepEqual(read.body.identifierUris, [`api://${appId}`]);
    assert.equal(read.body.api.oauth2PermissionScopes[0].value, 'access_as_user');
    assert.equal(read.body.appRoles[0].value, 'Orders.Read');
    const listed = await callApi(w, 'GET', `/v1.0/applications?$filter=appId eq '${appId}'`, { token });
    assert.deepEqual(listed.body.value[0].identifierUris, [`api://${appId}`]);
  });

  it('Entra v2.0 access token for a registered API: aud is its appId, scp its scope, amr kept, header typ JWT; at+jwt when the API chooses it', async () => {
    const { id, appId } = await registerApi('Orders API (tokens)');
    const scope = `openid offline_access api://${appId}/access_as_user`;
    const first = await userToken(w, admin.upn, scope);
    const claims = decodeJwt(first);
    assert.equal(claims.aud, appId);
    assert.equal(claims.scp, 'access_as_user');
    assert.equal(claims.ver, '2.0');
    assert.equal(claims.oid, admin.id);
    assert.ok((claims.amr as string[]).includes('mfa'));
    assert.equal(decodeProtectedHeader(first).typ, 'JWT');

    const changed = await callApi(w, 'PATCH', `/v1.0/applications/${id}`, {
      token,
      body: { api: { wardenAccessTokenType: 'at+jwt' } },
    });
    assert.equal(changed.status, 204);
    const second = await userToken(w, admin.upn, scope);
    assert.equal(decodeProtectedHeader(second).typ, 'at+jwt');
    // The scopes were kept: only the part given was replaced.
    const read = await callApi(w, 'GET', `/v1.0/applications/${id}`, { token });
    assert.equal(read.body.api.oauth2PermissionScopes.length, 1);
  });

  it('RFC 6749 §4.4: a daemon of the tenant gets an app-only token for a registered API (aud its appId, no roles granted)', async () => {
    const { appId } = await registerApi('Orders API (daemons)');
    const daemon = await applicationsApi(w, token).daemon('Orders daemon');
    const secret = await applicationsApi(w, token).addPassword(daemon.id);
    const response = await fetch(`${w.baseUrl}/${w.demo.tenants.contoso!.id}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: daemon.appId,
        client_secret: secret.body.secretText,
        scope: `api://${appId}/.default`,
      }),
    });
    const body = (await response.json()) as { access_token: string };
    assert.equal(response.status, 200, JSON.stringify(body));
    const claims = decodeJwt(body.access_token);
    assert.equal(claims.aud, appId);
    assert.equal(claims.idtyp, 'app');
    assert.deepEqual(claims.roles, [], 'the Graph role the daemon holds is not a role of this API');
    assert.equal(decodeProtectedHeader(body.access_token).typ, 'JWT');
  });

  it('Entra: an identifier URI belongs to one application of the tenant; malformed ones and bad scope values are refused', async () => {
    const { appId } = await registerApi('Orders API (unique)');
    const other = await applicationsApi(w, token).register({
      displayName: 'Impostor',
      identifierUris: [`api://${appId}`],
    });
    assert.equal(other.status, 400);
    assert.equal(other.body.error.code, 'Request_BadRequest');
    const listed = await callApi(w, 'GET', "/v1.0/applications?$filter=displayName eq 'Impostor'", { token });
    assert.deepEqual(listed.body.value, [], 'the application was not created without its API either');
    for (const body of [
      { displayName: 'x', identifierUris: ['https://orders.contoso.example'] },
      { displayName: 'x', identifierUris: ['api://orders/'] },
      { displayName: 'x', api: { oauth2PermissionScopes: [{ id: randomUUID(), value: '.default' }] } },
      { displayName: 'x', api: { oauth2PermissionScopes: [{ id: 'not-a-guid', value: 'read' }] } },
      { displayName: 'x', api: { wardenAccessTokenType: 'jwt' } },
    ]) {
      const refused = await applicationsApi(w, token).register(body);
      assert.equal(refused.status, 400, JSON.stringify(body));
      assert.equal(refused.body.error.code, 'Request_BadRequest', JSON.stringify(body));
    }
  });

  it('an Admin-type scope is refused (400 Request_BadRequest) while Warden has no admin consent, and nothing is written', async () => {
    const res = await applicationsApi(w, token).register({
      displayName: 'Admin scope API',
      api: { oauth2PermissionScopes: [{ id: randomUUID(), value: 'Orders.ReadWrite.All', type: 'Admin' }] },
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'Request_BadRequest');
    const listed = await callApi(
      w,
      'GET',
      `/v1.0/applications?$filter=${encodeURIComponent("displayName eq 'Admin scope API'")}`,
      { token },
    );
    assert.equal(listed.status, 200);
    assert.equal(listed.body.value.length, 0);
  });
});
