import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import { GRAPH_API } from '../src/tokens/audiences.ts';
import { graphToken } from './support/graph.ts';
import { applicationsApi, clientCredentials } from './support/graph-applications.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { REDIRECT_URI, redeem, relyingParty, signIn } from './support/oidc.ts';
import { callApi } from './support/tokens.ts';
import { type MadeUser, makeUser } from './support/users.ts';

const DAY = 86_400_000;
const MINUTE = 60_000;

describe('Graph API: writing applications and their secrets', () => {
  let w: TestWarden;
  let admin: string;
  let globalAdmin: MadeUser;
  let api: ReturnType<typeof applicationsApi>;
  before(async () => {
    w = await startWarden();
    globalAdmin = await makeUser(w, { roles: ['Global Administrator'], totp: true });
    admin = await graphToken(w, globalAdmin.upn);
    api = applicationsApi(w, admin);
  });
  after(() => w.stop());
  const register = (body: unknown, token = admin) => api.register(body, token);
  const daemon = (displayName: string) => api.daemon(displayName);
  const addPassword = (id: string, passwordCredential: unknown = {}) =>
    api.addPassword(id, passwordCredential);

  it('SPEC §10: a Global Administrator with MFA registers a web application with app roles (admin consent)', async () => {
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
    // Entra: the application object's id and the application (client) id are two GUIDs.
    assert.match(app.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.match(app.appId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.notEqual(app.id, app.appId);
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

  it('RFC 6749 §2.3.1: two secrets both work (rotation), in the body or HTTP Basic; removePassword makes that one fail with invalid_client', async () => {
    const app = await daemon('Rotating daemon');
    const first = (await addPassword(app.id)).body;
    const second = (await addPassword(app.id)).body;
    assert.notEqual(first.secretText, second.secretText);
    assert.equal((await clientCredentials(w, app.appId, first.secretText)).status, 200);
    assert.equal(
      (await clientCredentials(w, app.appId, second.secretText, true)).status,
      200,
      'HTTP Basic too',
    );
    const wrong = await clientCredentials(w, app.appId, `${second.secretText}x`);
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error, 'invalid_client');

    const removed = await callApi(w, 'POST', `/v1.0/applications/${app.id}/removePassword`, {
      token: admin,
      body: { keyId: first.keyId },
    });
    assert.equal(removed.status, 204);
    const refused = await clientCredentials(w, app.appId, first.secretText);
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error, 'invalid_client');
    assert.equal(
      (await clientCredentials(w, app.appId, second.secretText)).status,
      200,
      'the other still works',
    );

    const again = await callApi(w, 'POST', `/v1.0/applications/${app.id}/removePassword`, {
      token: admin,
      body: { keyId: first.keyId },
    });
    assert.equal(again.status, 404);
    assert.equal(again.body.error.code, 'Request_ResourceNotFound');
  });

  it('RFC 6749 §5.2: an expired secret fails with invalid_client (on Warden’s clock)', async () => {
    const app = await daemon('Short-lived');
    // Minutes, not days: the API's tokens are checked on the same clock and must stay valid.
    const end = new Date(w.clock.now() + 10 * MINUTE).toISOString();
    const short = (await addPassword(app.id, { endDateTime: end })).body;
    const long = (await addPassword(app.id)).body;
    assert.equal(short.endDateTime, end.replace(/\.\d{3}Z$/, 'Z'));
    assert.equal((await clientCredentials(w, app.appId, short.secretText)).status, 200);
    w.clock.advance(10 * MINUTE + 1000);
    const expired = await clientCredentials(w, app.appId, short.secretText);
    assert.equal(expired.status, 401);
    assert.equal(expired.body.error, 'invalid_client');
    assert.equal((await clientCredentials(w, app.appId, long.secretText)).status, 200);
  });

  it('Graph API: secret lifetimes are bounded, and a public client gets none', async () => {
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
      (await callApi(w, 'GET', `/v1.0/applications/${native.id}`, { token: admin })).body.passwordCredentials
        .length,
      0,
    );
  });

  it('Graph API: bad registrations get Request_BadRequest and write nothing', async () => {
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

  it('Graph API: PATCH changes the name and redirect URIs (204), validated the same way', async () => {
    const app = (
      await register({ displayName: 'Old name', web: { redirectUris: ['https://a.contoso.example/cb'] } })
    ).body;
    const patched = await callApi(w, 'PATCH', `/v1.0/applications/${app.id}`, {
      token: admin,
      body: {
        displayName: 'New name',
        web: { redirectUris: ['https://b.contoso.example/cb', 'http://127.0.0.1:8400/'] },
      },
    });
    assert.equal(patched.status, 204);
    const got = (await callApi(w, 'GET', `/v1.0/applications/${app.id}`, { token: admin })).body;
    assert.equal(got.displayName, 'New name');
    assert.deepEqual(got.web.redirectUris, ['https://b.contoso.example/cb', 'http://127.0.0.1:8400/']);

    for (const body of [
      { publicClient: { redirectUris: ['http://localhost'] } },
      { web: { redirectUris: ['http://b.contoso.example/cb'] } },
      { signInAudience: 'AzureADMultipleOrgs' },
    ]) {
      const refused = await callApi(w, 'PATCH', `/v1.0/applications/${app.id}`, { token: admin, body });
      assert.equal(refused.status, 400, JSON.stringify(body));
      assert.equal(refused.body.error.code, 'Request_BadRequest');
    }
    const unchanged = (await callApi(w, 'GET', `/v1.0/applications/${app.id}`, { token: admin })).body;
    assert.deepEqual(unchanged.web.redirectUris, got.web.redirectUris);
    const missing = await callApi(w, 'PATCH', '/v1.0/applications/no-such-app', {
      token: admin,
      body: { displayName: 'x' },
    });
    assert.equal(missing.status, 404);
  });

  it('Graph API: DELETE removes the application, its secrets, and its grants with their refresh tokens', async () => {
    const doomed = await daemon('Doomed daemon');
    const secret = (await addPassword(doomed.id)).body.secretText;
    assert.equal((await clientCredentials(w, doomed.appId, secret)).status, 200);

    // A public client of Contoso that the administrator signs in to, holding a grant and a refresh token.
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
    const { callback } = await signIn(w, start, { upn: globalAdmin.upn, totpSeed: globalAdmin.totpSeed! });
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
      const deleted = await callApi(w, 'DELETE', `/v1.0/applications/${app.id}`, { token: admin });
      assert.equal(deleted.status, 204);
      const gone = await callApi(w, 'GET', `/v1.0/applications/${app.id}`, { token: admin });
      assert.equal(gone.status, 404);
      assert.equal(gone.body.error.code, 'Request_ResourceNotFound');
    }
    const refused = await clientCredentials(w, doomed.appId, secret);
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error, 'invalid_client');
    const credentials = await w.ctx.db
      .selectFrom('application_credentials')
      .select('key_id')
      .where('application_id', '=', doomed.appId)
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
    assert.equal((await callApi(w, 'DELETE', `/v1.0/applications/${tool.id}`, { token: admin })).status, 404);
  });
});
