import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import { getApplication } from '../src/directory/applications.ts';
import { getServicePrincipal } from '../src/service-principals/service-principals.ts';
import { clientCredentialsAt, SAM_APP } from './support/application-consents.ts';
import { graphToken } from './support/graph.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { REDIRECT_URI, redeem, relyingParty, signIn, verifyWithJwks } from './support/oidc.ts';
import { callApi } from './support/tokens.ts';
import { makeUser } from './support/users.ts';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** RFC 6749 §4.4 with the secret in the body, `client_id` as given. */
async function clientCredentials(w: TestWarden, clientId: string, secret: string) {
  const response = await fetch(`${w.baseUrl}/${w.demo.tenants.contoso!.id}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: secret,
      scope: 'urn:warden:partner-api/.default',
    }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

describe('Entra application ids: appId, object id, service principal object id', () => {
  let w: TestWarden;
  before(async () => {
    w = await startWarden();
  });
  after(() => w.stop());

  it('Entra app-only token claims: appid/azp are the application id (a GUID), oid and sub the object id of its service principal in the home tenant', async () => {
    const automation = w.demo.clients['contoso-automation']!;
    assert.match(automation.clientId, GUID);
    const answer = await clientCredentials(w, automation.clientId, automation.clientSecret!);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const claims = await verifyWithJwks(w, 'contoso', answer.body.access_token!, 'urn:warden:partner-api');
    const app = await getApplication(w.ctx.db, w.demo.tenants.contoso!.id, automation.clientId);
    assert.ok(app);
    assert.equal(claims.appid, automation.clientId);
    assert.equal(claims.azp, automation.clientId);
    assert.equal(claims.idtyp, 'app');
    assert.match(app.servicePrincipalId, GUID);
    assert.notEqual(app.servicePrincipalId, app.id);
    assert.equal(claims.oid, app.servicePrincipalId);
    assert.equal(claims.sub, app.servicePrincipalId, 'Entra: sub equals oid in app-only tokens');
    // Stored, not derived: the next token names the same service principal.
    const again = decodeJwt(
      (await clientCredentials(w, automation.clientId, automation.clientSecret!)).body.access_token!,
    );
    assert.equal(again.oid, app.servicePrincipalId);
  });

  it('Entra app-only token claims: at a customer’s authority oid is the consented service principal’s object id there', async () => {
    const answer = await clientCredentialsAt(w, 'woodgrove');
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const claims = decodeJwt(answer.body.access_token);
    const sp = await getServicePrincipal(w.ctx.db, w.demo.tenants.woodgrove!.id, SAM_APP);
    assert.ok(sp);
    assert.match(sp.id, GUID);
    const home = await getApplication(w.ctx.db, w.demo.tenants.contoso!.id, SAM_APP);
    assert.notEqual(sp.id, home!.servicePrincipalId, 'one service principal per tenant');
    assert.equal(claims.tid, w.demo.tenants.woodgrove!.id);
    assert.equal(claims.appid, SAM_APP);
    assert.equal(claims.oid, sp.id);
    assert.equal(claims.sub, sp.id);
  });

  it('client id alias: the demo’s readable client id works as client_id, and the token names the GUID', async () => {
    const automation = w.demo.clients['contoso-automation']!;
    assert.equal(automation.clientIdAlias, 'contoso-automation');
    const byAlias = await clientCredentials(w, 'contoso-automation', automation.clientSecret!);
    assert.equal(byAlias.status, 200, JSON.stringify(byAlias.body));
    const claims = decodeJwt(byAlias.body.access_token!);
    assert.equal(claims.appid, automation.clientId);
    assert.equal(claims.azp, automation.clientId);
    // The alias names one client only: a wrong secret is still refused, an unknown name is no client.
    assert.equal((await clientCredentials(w, 'contoso-automation', 'wrong')).status, 401);
    const unknown = await clientCredentials(w, 'contoso-automation-x', automation.clientSecret!);
    assert.equal(unknown.status, 401);
    assert.equal(unknown.body.error, 'invalid_client');
    // HTTP Basic (RFC 6749 §2.3.1) resolves the alias too.
    const basic = await fetch(`${w.baseUrl}/${w.demo.tenants.contoso!.id}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`contoso-automation:${encodeURIComponent(automation.clientSecret!)}`).toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        scope: 'urn:warden:partner-api/.default',
      }),
    });
    assert.equal(basic.status, 200);
    assert.equal(
      decodeJwt(((await basic.json()) as { access_token: string }).access_token).appid,
      automation.clientId,
    );
  });

  it('client id alias: an interactive sign-in started with client_id=warden-cli gets tokens for the application id, and the log shows it', async () => {
    const cli = w.demo.clients['warden-cli']!;
    const config = await relyingParty(w, 'contoso', cli.clientId);
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid offline_access urn:warden:partner-api/user_impersonation',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 'alias',
    });
    url.searchParams.set('client_id', 'warden-cli'); // the README's authorize URL names the alias
    const start = { config, url: url.toString(), verifier, state: 'alias' };
    const { callback } = await signIn(w, start, {
      upn: 'jane@contoso.example',
      totpSeed: w.demo.users['jane@contoso.example']!.totpSeed!,
    });
    const tokens = await redeem(start, callback);
    assert.equal(decodeJwt(tokens.id_token!).aud, cli.clientId);
    assert.equal(decodeJwt(tokens.access_token).appid, cli.clientId);
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    assert.equal(decodeJwt(refreshed.access_token).azp, cli.clientId);
    const rows = await w.ctx.db
      .selectFrom('sign_ins')
      .select('app_id')
      .where('user_id', '=', w.demo.users['jane@contoso.example']!.id)
      .execute();
    assert.ok(rows.length > 0);
    assert.ok(
      rows.every((r) => r.app_id === cli.clientId),
      JSON.stringify(rows),
    );
  });

  it('Graph application: id (object id) and appId are distinct GUIDs; the path takes the object id, not the appId', async () => {
    const admin = await graphToken(
      w,
      (await makeUser(w, { roles: ['Global Administrator'], totp: true })).upn,
    );
    const created = await callApi(w, 'POST', '/v1.0/applications', {
      token: admin,
      body: { displayName: 'Two ids' },
    });
    assert.equal(created.status, 201);
    assert.match(created.body.id, GUID);
    assert.match(created.body.appId, GUID);
    assert.notEqual(created.body.id, created.body.appId);
    assert.equal(
      (await callApi(w, 'GET', `/v1.0/applications/${created.body.id}`, { token: admin })).status,
      200,
    );
    const byAppId = await callApi(w, 'GET', `/v1.0/applications/${created.body.appId}`, { token: admin });
    assert.equal(byAppId.status, 404);
    assert.equal(byAppId.body.error.code, 'Request_ResourceNotFound');
    const listed = await callApi(w, 'GET', `/v1.0/applications?$filter=appId eq '${created.body.appId}'`, {
      token: admin,
    });
    assert.deepEqual(
      listed.body.value.map((a: { id: string }) => a.id),
      [created.body.id],
    );
  });
});
