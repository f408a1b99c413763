import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import { createApplication } from '../src/directory/applications.ts';
import { GRAPH_API } from '../src/tokens/audiences.ts';
import { graphAppToken, graphToken } from './support/graph.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { REDIRECT_URI, redeem, relyingParty, signIn } from './support/oidc.ts';
import { appOnlyToken, callApi } from './support/tokens.ts';

const DAY = 86_400_000;
const MINUTE = 60_000;
const JANE = 'jane@contoso.example';

/** A client-credentials request (RFC 6749 §4.4) with the secret in the body; returns status and JSON. */
async function clientCredentials(w: TestWarden, clientId: string, secret: string, basic = false) {
  const form = new URLSearchParams({ grant_type: 'client_credentials', scope: `${GRAPH_API}/.default` });
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (basic) {
    // RFC 6749 §2.3.1: client id and secret form-urlencoded, then Basic.
    const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
    headers.authorization = `Basic ${Buffer.from(`${enc(clientId)}:${enc(secret)}`).toString('base64')}`;
  } else {
    form.set('client_id', clientId);
    form.set('client_secret', secret);
  }
  const response = await fetch(`${w.baseUrl}/${w.demo.tenants.contoso!.id}/oauth2/v2.0/token`, {
    method: 'POST',
    headers,
    body: form,
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

describe('Graph applications and their secrets (issue 4 item 1)', () => {
  let w: TestWarden;
  let jane: string;
  before(async () => {
    w = await startWarden();
    jane = await graphToken(w, JANE);
  });
  after(() => w.stop());

  const register = (body: unknown, token = jane) => callApi(w, 'POST', '/v1.0/applications', { token, body });
  /** A daemon: a web application with an app role, so client credentials have something to ask for. */
  const daemon = async (displayName: string) =>
    (
      await register({
        displayName,
        requiredResourceAccess: [
          { resourceAppId: GRAPH_API, resourceAccess: [{ id: 'User.Read.All', type: 'Role' }] },
        ],
      })
    ).body;
  const addPassword = (id: string, passwordCredential: unknown = {}) =>
    callApi(w, 'POST', `/v1.0/applications/${id}/addPassword`, { token: jane, body: { passwordCredential } });

  it('issue 4 item 1: a Global Administrator with MFA registers a web application with app roles (admin consent)', async () => {
    const created = await register({
      displayName: 'Contoso reporting',
      web: { redirectUris: ['https://reports.contoso.example/callback'] },
      requiredResourceAccess: [
        { resourceAppId: GRAPH_API, resourceAccess: [{ id: 'User.Read.All', type: 'Role' }] },
      ],
    });
    assert.equal(created.status, 201);
    const app = created.body;
    assert.match(app['@odata.context'], /\/v1\.0\/\$metadata#applications\/\$entity$/);
    assert.equal(app.id, app.appId);
    assert.equal(app.displayName, 'Contoso reporting');
    assert.equal(app.signInAudience, 'AzureADMyOrg');
    assert.deepEqual(app.web.redirectUris, ['https://reports.contoso.example/callback']);
    assert.deepEqual(app.publicClient.redirectUris, []);
    assert.deepEqual(app.requiredResourceAccess, [
      { resourceAppId: GRAPH_API, resourceAccess: [{ id: 'User.Read.All', type: 'Role' }] },
    ]);
    assert.deepEqual(app.passwordCredentials, [], 'Graph registers without a secret: addPassword gives one');

    const secret = await addPassword(app.id, { displayName: 'first' });
    assert.equal(secret.status, 200);
    const token = await clientCredentials(w, app.appId, secret.body.secretText);
    assert.equal(token.status, 200, JSON.stringify(token.body));
    const claims = decodeJwt(token.body.access_token!);
    assert.deepEqual(claims.roles, ['User.Read.All'], 'the role granted at registration');
    assert.equal(claims.idtyp, 'app');
  });

  it('issue 4 item 1: addPassword shows the secret once; the application lists keyId, hint and dates only', async () => {
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

    const got = await callApi(w, 'GET', `/v1.0/applications/${app.id}`, { token: jane });
    const listed = await callApi(w, 'GET', `/v1.0/applications?$filter=appId eq '${app.id}'`, {
      token: jane,
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
      .where('application_id', '=', app.id)
      .executeTakeFirstOrThrow();
    assert.ok(!stored.secret_sealed.includes(credential.secretText), 'stored sealed, not in clear');
  });

  it('issue 4 item 1: two secrets both work (rotation); removePassword makes that one fail with invalid_client', async () => {
    const app = await daemon('Rotating daemon');
    const first = (await addPassword(app.id)).body;
    const second = (await addPassword(app.id)).body;
    assert.notEqual(first.secretText, second.secretText);
    assert.equal((await clientCredentials(w, app.id, first.secretText)).status, 200);
    assert.equal((await clientCredentials(w, app.id, second.secretText, true)).status, 200, 'HTTP Basic too');
    const wrong = await clientCredentials(w, app.id, `${second.secretText}x`);
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error, 'invalid_client');

    const removed = await callApi(w, 'POST', `/v1.0/applications/${app.id}/removePassword`, {
      token: jane,
      body: { keyId: first.keyId },
    });
    assert.equal(removed.status, 204);
    const refused = await clientCredentials(w, app.id, first.secretText);
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error, 'invalid_client');
    assert.equal(
      (await clientCredentials(w, app.id, second.secretText)).status,
      200,
      'the other still works',
    );

    const again = await callApi(w, 'POST', `/v1.0/applications/${app.id}/removePassword`, {
      token: jane,
      body: { keyId: first.keyId },
    });
    assert.equal(again.status, 404);
    assert.equal(again.body.error.code, 'Request_ResourceNotFound');
  });

  it('issue 4 item 1: an expired secret fails with invalid_client (on Warden’s clock)', async () => {
    const app = await daemon('Short-lived');
    // Minutes, not days: the API's tokens are checked on the same clock and must stay valid.
    const end = new Date(w.clock.now() + 10 * MINUTE).toISOString();
    const short = (await addPassword(app.id, { endDateTime: end })).body;
    const long = (await addPassword(app.id)).body;
    assert.equal(short.endDateTime, end.replace(/\.\d{3}Z$/, 'Z'));
    assert.equal((await clientCredentials(w, app.id, short.secretText)).status, 200);
    w.clock.advance(10 * MINUTE + 1000);
    const expired = await clientCredentials(w, app.id, short.secretText);
    assert.equal(expired.status, 401);
    assert.equal(expired.body.error, 'invalid_client');
    assert.equal((await clientCredentials(w, app.id, long.secretText)).status, 200);
  });

  it('issue 4 item 1: secret lifetimes are bounded, and a public client gets none', async () => {
    const app = (await register({ displayName: 'Bounded' })).body;
    for (const endDateTime of [
      new Date(w.clock.now() - 1000).toISOString(),
      new Date(w.clock.now() + 3 * 366 * DAY).toISOString(),
      'next tuesday',
    ]) {
      const refused = await addPassword(app.id, { endDateTime });
      assert.equal(refused.status, 400, endDateTime);
      assert.equal(refused.body.error.code, 'Request_BadRequest');
    }
    const native = (
      await register({ displayName: 'Native tool', publicClient: { redirectUris: ['http://localhost'] } })
    ).body;
    assert.equal(native.isFallbackPublicClient, true);
    const refused = await addPassword(native.id);
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.code, 'Request_BadRequest');
    assert.equal(
      (await callApi(w, 'GET', `/v1.0/applications/${native.id}`, { token: jane })).body.passwordCredentials
        .length,
      0,
    );
  });

  it('issue 4 item 1: bad registrations get Request_BadRequest and write nothing', async () => {
    const count = async () =>
      Number(
        (
          await w.ctx.db
            .selectFrom('applications')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    const cases: [unknown, RegExp][] = [
      [{ displayName: 'x', color: 'blue' }, /Invalid property 'color'/],
      [{ displayName: 'x', web: { redirectUris: ['http://app.contoso.example/cb'] } }, /RFC 8252/],
      [{ displayName: 'x', web: { redirectUris: ['https://app.contoso.example/cb#frag'] } }, /fragment/],
      [{ displayName: 'x', web: { redirectUris: ['not a uri'] } }, /absolute/],
      [{ displayName: 'x', publicClient: { redirectUris: [] }, web: { redirectUris: [] } }, /not both/],
      [{ displayName: 'x', signInAudience: 'PersonalMicrosoftAccount' }, /signInAudience/],
      [
        {
          displayName: 'x',
          requiredResourceAccess: [{ resourceAppId: 'urn:elsewhere', resourceAccess: [] }],
        },
        /Unknown resourceAppId/,
      ],
      [
        {
          displayName: 'x',
          requiredResourceAccess: [
            { resourceAppId: GRAPH_API, resourceAccess: [{ id: 'Mail.Send', type: 'Role' }] },
          ],
        },
        /not an application permission/,
      ],
      [
        {
          displayName: 'x',
          publicClient: { redirectUris: ['http://localhost'] },
          requiredResourceAccess: [
            { resourceAppId: GRAPH_API, resourceAccess: [{ id: 'User.Read.All', type: 'Role' }] },
          ],
        },
        /public client/,
      ],
      [{ web: {} }, /displayName/],
    ];
    for (const [body, message] of cases) {
      const response = await register(body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(response.body.error.code, 'Request_BadRequest');
      assert.match(response.body.error.message, message);
    }
    assert.equal(await count(), before, 'nothing was written');
  });

  it('issue 4 item 1: PATCH changes the name and redirect URIs (204), validated the same way', async () => {
    const app = (
      await register({ displayName: 'Old name', web: { redirectUris: ['https://a.contoso.example/cb'] } })
    ).body;
    const patched = await callApi(w, 'PATCH', `/v1.0/applications/${app.id}`, {
      token: jane,
      body: {
        displayName: 'New name',
        web: { redirectUris: ['https://b.contoso.example/cb', 'http://127.0.0.1:8400/'] },
      },
    });
    assert.equal(patched.status, 204);
    const got = (await callApi(w, 'GET', `/v1.0/applications/${app.id}`, { token: jane })).body;
    assert.equal(got.displayName, 'New name');
    assert.deepEqual(got.web.redirectUris, ['https://b.contoso.example/cb', 'http://127.0.0.1:8400/']);

    for (const body of [
      { publicClient: { redirectUris: ['http://localhost'] } },
      { web: { redirectUris: ['http://b.contoso.example/cb'] } },
      { signInAudience: 'AzureADMultipleOrgs' },
    ]) {
      const refused = await callApi(w, 'PATCH', `/v1.0/applications/${app.id}`, { token: jane, body });
      assert.equal(refused.status, 400, JSON.stringify(body));
      assert.equal(refused.body.error.code, 'Request_BadRequest');
    }
    const unchanged = (await callApi(w, 'GET', `/v1.0/applications/${app.id}`, { token: jane })).body;
    assert.deepEqual(unchanged.web.redirectUris, got.web.redirectUris);
    const missing = await callApi(w, 'PATCH', '/v1.0/applications/no-such-app', {
      token: jane,
      body: { displayName: 'x' },
    });
    assert.equal(missing.status, 404);
  });

  it('issue 4 item 1: DELETE removes the application, its secrets, and its grants with their refresh tokens', async () => {
    const doomed = await daemon('Doomed daemon');
    const secret = (await addPassword(doomed.id)).body.secretText;
    assert.equal((await clientCredentials(w, doomed.id, secret)).status, 200);

    // A public client of Contoso that Jane signs in to, holding a grant and a refresh token.
    const tool = (
      await register({
        displayName: 'Doomed tool',
        publicClient: { redirectUris: [REDIRECT_URI] },
        requiredResourceAccess: [
          { resourceAppId: GRAPH_API, resourceAccess: [{ id: 'Directory.AccessAsUser.All', type: 'Scope' }] },
        ],
      })
    ).body;
    const config = await relyingParty(w, 'contoso', tool.appId);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: `openid offline_access ${GRAPH_API}/Directory.AccessAsUser.All`,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });
    const start = { config, url: url.toString(), verifier, state };
    const { callback } = await signIn(w, start, { upn: JANE, totpSeed: w.demo.users[JANE]!.totpSeed! });
    const tokens = await redeem(start, callback);
    assert.ok(tokens.refresh_token);
    const grants = () =>
      w.ctx.db
        .selectFrom('oidc_payloads')
        .select('id')
        .where('model', '=', 'Grant')
        .where('payload', 'like', `%${tool.appId}%`)
        .execute();
    assert.equal((await grants()).length, 1);

    for (const app of [doomed, tool]) {
      const deleted = await callApi(w, 'DELETE', `/v1.0/applications/${app.id}`, { token: jane });
      assert.equal(deleted.status, 204);
      const gone = await callApi(w, 'GET', `/v1.0/applications/${app.id}`, { token: jane });
      assert.equal(gone.status, 404);
      assert.equal(gone.body.error.code, 'Request_ResourceNotFound');
    }
    const refused = await clientCredentials(w, doomed.id, secret);
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error, 'invalid_client');
    const credentials = await w.ctx.db
      .selectFrom('application_credentials')
      .select('key_id')
      .where('application_id', '=', doomed.id)
      .execute();
    assert.equal(credentials.length, 0);
    assert.equal((await grants()).length, 0, 'the grant is gone');
    const refreshTokens = await w.ctx.db
      .selectFrom('oidc_payloads')
      .select('id')
      .where('model', '=', 'RefreshToken')
      .where('payload', 'like', `%${tool.appId}%`)
      .execute();
    assert.equal(refreshTokens.length, 0, 'its refresh tokens are gone');
    await assert.rejects(client.refreshTokenGrant(config, tokens.refresh_token!));
    assert.equal((await callApi(w, 'DELETE', `/v1.0/applications/${tool.id}`, { token: jane })).status, 404);
  });

  it('issue 4 item 1: the list filters by displayName (eq, startswith) and appId, selects, and pages to the end', async () => {
    const names = ['Paging A', 'Paging B', 'Paging C', 'Paging D', 'Paging E'];
    for (const displayName of names) assert.equal((await register({ displayName })).status, 201);

    const eq = await callApi(w, 'GET', `/v1.0/applications?$filter=displayName eq 'paging c'`, {
      token: jane,
    });
    assert.deepEqual(
      eq.body.value.map((a: { displayName: string }) => a.displayName),
      ['Paging C'],
    );
    const selected = await callApi(
      w,
      'GET',
      `/v1.0/applications?$filter=startswith(displayName,'Paging')&$select=appId,displayName&$top=2`,
      { token: jane },
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
      page = (await callApi(w, 'GET', page['@odata.nextLink'].slice(w.baseUrl.length), { token: jane })).body;
    }
    assert.deepEqual(seen.sort(), names, 'every application exactly once');

    const byAppId = (
      await callApi(w, 'GET', `/v1.0/applications?$filter=appId eq 'contoso-automation'`, { token: jane })
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
      const refused = await callApi(w, 'GET', `/v1.0/applications?${bad}`, { token: jane });
      assert.equal(refused.status, 400, bad);
      assert.equal(refused.body.error.code, 'Request_UnsupportedQuery', bad);
    }
  });

  it('tenant scoping: Contoso never sees, changes or deletes Fabrikam’s applications', async () => {
    const { application } = await createApplication(
      w.ctx.db,
      w.ctx.secrets,
      w.demo.tenants.fabrikam!.id,
      { displayName: 'Fabrikam secret app', clientType: 'confidential', allowedScopes: [] },
      w.clock.now(),
    );
    const list = await callApi(w, 'GET', `/v1.0/applications?$filter=startswith(displayName,'Fabrikam')`, {
      token: jane,
    });
    assert.deepEqual(list.body.value, []);
    const all = await callApi(w, 'GET', '/v1.0/applications?$top=999', { token: jane });
    assert.ok(!all.body.value.some((a: { appId: string }) => a.appId === application.id));
    assert.ok(
      !all.body.value.some((a: { appId: string }) => a.appId === 'warden-cli'),
      'operator apps neither',
    );
    for (const [method, path, body] of [
      ['GET', `/v1.0/applications/${application.id}`, undefined],
      ['PATCH', `/v1.0/applications/${application.id}`, { displayName: 'pwned' }],
      ['DELETE', `/v1.0/applications/${application.id}`, undefined],
      ['POST', `/v1.0/applications/${application.id}/addPassword`, { passwordCredential: {} }],
    ] as const) {
      const response = await callApi(w, method, path, { token: jane, ...(body ? { body } : {}) });
      assert.equal(response.status, 404, `${method} ${path}`);
    }
  });

  it('permissions: Security and Billing administrators and the automation client cannot manage applications; John without MFA gets 401', async () => {
    const sky = await graphToken(w, 'sky@contoso.example');
    const bill = await graphToken(w, 'bill@contoso.example');
    const automation = await graphAppToken(w);
    for (const token of [sky, bill, automation]) {
      const listed = await callApi(w, 'GET', '/v1.0/applications', { token });
      assert.equal(listed.status, 403);
      assert.equal(listed.body.error.code, 'Authorization_RequestDenied');
      const registered = await register({ displayName: 'Not allowed' }, token);
      assert.equal(registered.status, 403);
      assert.equal(registered.body.error.code, 'Authorization_RequestDenied');
    }
    const john = await graphToken(w, 'john@fabrikam.example');
    const refused = await callApi(w, 'GET', '/v1.0/applications', { token: john });
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error.code, 'Authentication_MfaRequired');
    const none = await callApi(w, 'GET', `/v1.0/applications?$filter=displayName eq 'Not allowed'`, {
      token: jane,
    });
    assert.deepEqual(none.body.value, []);
  });
  it('review finding 2: an app with Application.ReadWrite.All cannot add a secret to, redirect, or delete an app granted more (no escalation to Global Administrator)', async () => {
    const withRole = async (displayName: string, role: string) => {
      const created = await register({
        displayName,
        web: { redirectUris: ['https://daemon.contoso.example/callback'] },
        requiredResourceAccess: [{ resourceAppId: GRAPH_API, resourceAccess: [{ id: role, type: 'Role' }] }],
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      return created.body.appId as string;
    };
    const manager = await withRole('app manager', 'Application.ReadWrite.All');
    const roleAdmin = await withRole('role manager', 'RoleManagement.ReadWrite.Directory');
    const peer = await withRole('peer manager', 'Application.ReadWrite.All');
    const plain = (await register({ displayName: 'no permissions', web: { redirectUris: [] } })).body
      .appId as string;
    const managerSecret = (await addPassword(manager)).body.secretText as string;
    const token = await appOnlyToken(w, manager, managerSecret, 'contoso', `${GRAPH_API}/.default`);
    const keyId = (await addPassword(roleAdmin)).body.keyId as string;
    const secretsOf = async (appId: string) =>
      (await callApi(w, 'GET', `/v1.0/applications/${appId}`, { token: jane })).body.passwordCredentials
        .length as number;

    const refusals = [
      await callApi(w, 'POST', `/v1.0/applications/${roleAdmin}/addPassword`, {
        token,
        body: { passwordCredential: {} },
      }),
      await callApi(w, 'POST', `/v1.0/applications/${roleAdmin}/removePassword`, { token, body: { keyId } }),
      await callApi(w, 'PATCH', `/v1.0/applications/${roleAdmin}`, {
        token,
        body: { displayName: 'hijacked', web: { redirectUris: ['https://attacker.example/cb'] } },
      }),
      await callApi(w, 'DELETE', `/v1.0/applications/${roleAdmin}`, { token }),
    ];
    for (const refused of refusals) {
      assert.equal(refused.status, 403, JSON.stringify(refused.body));
      assert.equal(refused.body.error.code, 'Authorization_RequestDenied');
      assert.match(refused.body.error.message, /RoleManagement\.ReadWrite\.Directory/);
    }
    // Nothing was written: one secret (the Global Administrator's), the same name and redirect URIs.
    const after = (await callApi(w, 'GET', `/v1.0/applications/${roleAdmin}`, { token: jane })).body;
    assert.equal(after.displayName, 'role manager');
    assert.deepEqual(after.web.redirectUris, ['https://daemon.contoso.example/callback']);
    assert.equal(await secretsOf(roleAdmin), 1);

    // Applications granted nothing beyond the caller's own permissions stay manageable.
    for (const appId of [peer, plain]) {
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
    assert.equal((await addPassword(roleAdmin)).status, 200);
  });
});
