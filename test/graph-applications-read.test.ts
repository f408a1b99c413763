import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { graphToken } from './support/graph.ts';
import { applicationsApi } from './support/graph-applications.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { callApi } from './support/tokens.ts';
import { makeUser } from './support/users.ts';

const DAY = 86_400_000;

describe('Graph API: reading applications (list, get, OData query options)', () => {
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

  it('STYLE 8: addPassword shows the secret once; the application lists keyId, hint and dates only, and stores it sealed', async () => {
    const app = (await register({ displayName: 'Secret keeper' })).body;
    const added = await addPassword(app.id, { displayName: 'rotation 1' });
    assert.equal(added.status, 200);
    const credential = added.body;
    assert.match(credential['@odata.context'], /#microsoft\.graph\.passwordCredential$/);
    assert.equal(typeof credential.secretText, 'string');
    assert.ok(credential.secretText.length >= 32);
    assert.equal(credential.hint, credential.secretText.slice(0, 3));
    assert.match(credential.keyId, /^[0-9a-f-]{36}$/);
    assert.equal(credential.displayName, 'rotation 1');
    // Default lifetime: 180 days from now.
    const lifetime = Date.parse(credential.endDateTime) - Date.parse(credential.startDateTime);
    assert.ok(Math.abs(lifetime - 180 * DAY) < 2000, `lifetime ${lifetime}`);

    const got = await callApi(w, 'GET', `/v1.0/applications/${app.id}`, { token: admin });
    const listed = await callApi(w, 'GET', `/v1.0/applications?$filter=appId eq '${app.appId}'`, {
      token: admin,
    });
    for (const body of [got.body, listed.body]) {
      assert.ok(!JSON.stringify(body).includes(credential.secretText), 'the secret is never shown again');
    }
    assert.deepEqual(got.body.passwordCredentials, [
      {
        customKeyIdentifier: null,
        displayName: 'rotation 1',
        endDateTime: credential.endDateTime,
        hint: credential.hint,
        keyId: credential.keyId,
        secretText: null,
        startDateTime: credential.startDateTime,
      },
    ]);
    const stored = await w.ctx.db
      .selectFrom('application_credentials')
      .select('secret_sealed')
      .where('application_id', '=', app.appId)
      .executeTakeFirstOrThrow();
    assert.ok(!stored.secret_sealed.includes(credential.secretText), 'stored sealed, not in clear');
  });

  it('Graph API: the list filters by displayName (eq, startswith) and appId, selects, and pages to the end', async () => {
    const names = ['Paging A', 'Paging B', 'Paging C', 'Paging D', 'Paging E'];
    for (const displayName of names) assert.equal((await register({ displayName })).status, 201);

    const eq = await callApi(w, 'GET', `/v1.0/applications?$filter=displayName eq 'paging c'`, {
      token: admin,
    });
    assert.deepEqual(
      eq.body.value.map((a: { displayName: string }) => a.displayName),
      ['Paging C'],
    );
    const selected = await callApi(
      w,
      'GET',
      `/v1.0/applications?$filter=startswith(displayName,'Paging')&$select=appId,displayName&$top=2`,
      { token: admin },
    );
    assert.match(selected.body['@odata.context'], /#applications\(appId,displayName\)$/);
    const seen: string[] = [];
    let page = selected.body;
    for (;;) {
      for (const app of page.value) {
        assert.deepEqual(Object.keys(app).sort(), ['appId', 'displayName']);
        seen.push(app.displayName);
      }
      if (!page['@odata.nextLink']) break;
      assert.ok(page.value.length === 2);
      page = (await callApi(w, 'GET', page['@odata.nextLink'].slice(w.baseUrl.length), { token: admin }))
        .body;
    }
    assert.deepEqual(seen.sort(), names, 'every application exactly once');

    const byAppId = (
      await callApi(
        w,
        'GET',
        `/v1.0/applications?$filter=appId eq '${w.demo.clients['contoso-automation']!.clientId}'`,
        { token: admin },
      )
    ).body.value;
    assert.equal(byAppId.length, 1);
    assert.equal(byAppId[0].displayName, 'Contoso automation');
    // The demo's secret moved to application_credentials keeps working and shows no secret.
    assert.equal(byAppId[0].passwordCredentials.length, 1);
    assert.equal(byAppId[0].passwordCredentials[0].secretText, null);

    for (const bad of [
      `$filter=displayName ne 'x'`,
      `$filter=signInAudience eq 'AzureADMyOrg'`,
      `$filter=startswith(appId,'c')`,
      '$select=clientSecret',
      '$orderby=displayName',
    ]) {
      const refused = await callApi(w, 'GET', `/v1.0/applications?${bad}`, { token: admin });
      assert.equal(refused.status, 400, bad);
      assert.equal(refused.body.error.code, 'Request_UnsupportedQuery', bad);
    }
  });
});
