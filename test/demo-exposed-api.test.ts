import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { graphToken } from './support/graph.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { callApi, userToken } from './support/tokens.ts';

describe('Demo data: an Entra-protected API of Contoso (expose an API)', () => {
  let w: TestWarden;
  before(async () => {
    w = await startWarden();
  });
  after(() => w.stop());

  it('Demo: Contoso Orders API exposes api://{appId}/access_as_user; Jane gets an Entra v2.0 token for it (aud its appId, typ JWT)', async () => {
    const orders = w.demo.apis.orders!;
    assert.equal(orders.identifierUri, `api://${orders.appId}`);
    const token = await userToken(w, 'jane@contoso.example', `openid ${orders.identifierUri}/access_as_user`);
    assert.equal(decodeJwt(token).aud, orders.appId);
    assert.equal(decodeJwt(token).scp, 'access_as_user');
    assert.equal(decodeProtectedHeader(token).typ, 'JWT');
    const graph = await graphToken(w, 'jane@contoso.example');
    const app = await callApi(w, 'GET', `/v1.0/applications?$filter=appId eq '${orders.appId}'`, {
      token: graph,
    });
    assert.equal(app.status, 200, JSON.stringify(app.body));
    assert.deepEqual(app.body.value[0].identifierUris, [orders.identifierUri]);
    assert.equal(app.body.value[0].api.oauth2PermissionScopes[0].value, 'access_as_user');
  });
});
