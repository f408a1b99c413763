import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { createApplication } from '../src/directory/applications.ts';
import { approveDevice, pollToken, requestDeviceCode, tenantUrl } from './support/device.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { redeem, signIn, startAuthorization, verifyWithJwks } from './support/oidc.ts';

const BOTH =
  'openid profile offline_access urn:warden:partner-api/user_impersonation urn:warden:graph/Directory.AccessAsUser.All';

// biome-ignore lint/suspicious/noExplicitAny: tests read response fields freely
type Json = any;

async function refresh(
  w: TestWarden,
  refreshToken: string,
  fields: Record<string, string>,
): Promise<{ status: number; body: Json }> {
  const response = await fetch(tenantUrl(w, 'contoso', '/oauth2/v2.0/token'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: 'warden-cli',
      refresh_token: refreshToken,
      ...fields,
    }),
  });
  return { status: response.status, body: await response.json() };
}

async function janeSignIn(
  w: TestWarden,
  scope: string,
): Promise<{ access_token: string; refresh_token: string }> {
  const start = await startAuthorization(w, 'contoso', { scope });
  const { callback } = await signIn(w, start, {
    upn: 'jane@contoso.example',
    totpSeed: w.demo.users['jane@contoso.example']!.totpSeed!,
  });
  const tokens = await redeem(start, callback);
  return { access_token: tokens.access_token, refresh_token: tokens.refresh_token! };
}

describe('Interop: multi-resource refresh tokens, Entra style', () => {
  let w: TestWarden;
  before(async () => {
    w = await startWarden();
  });
  after(() => w.stop());

  test('Interop: one sign-in for two resources; the refresh token gets either, by scope (MSAL .default) or resource; SPEC §3 amr kept', async () => {
    const first = await janeSignIn(w, BOTH);
    // The code gives a token for the first resource the scope named.
    const partner = await verifyWithJwks(w, 'contoso', first.access_token, 'urn:warden:partner-api');
    assert.equal(partner.scp, 'user_impersonation');
    assert.deepEqual(partner.amr, ['pwd', 'otp', 'mfa']);

    // What MSAL sends for acquireTokenSilent({ scopes: ['urn:warden:graph/.default'] }).
    const graph = await refresh(w, first.refresh_token, {
      scope: 'urn:warden:graph/.default openid profile offline_access',
    });
    assert.equal(graph.status, 200, JSON.stringify(graph.body));
    const graphToken = await verifyWithJwks(w, 'contoso', graph.body.access_token, 'urn:warden:graph');
    assert.equal(graphToken.scp, 'Directory.AccessAsUser.All');
    assert.deepEqual(graphToken.amr, ['pwd', 'otp', 'mfa']);
    assert.ok(graph.body.id_token);
    assert.notEqual(graph.body.refresh_token, first.refresh_token); // rotated (SPEC §10)

    const back = await refresh(w, graph.body.refresh_token, {
      scope: 'urn:warden:partner-api/user_impersonation',
    });
    assert.equal(back.status, 200, JSON.stringify(back.body));
    const backToken = decodeJwt(back.body.access_token);
    assert.equal(backToken.aud, 'urn:warden:partner-api');
    assert.equal(backToken.scp, 'user_impersonation');
    assert.deepEqual(backToken.amr, ['pwd', 'otp', 'mfa']);

    const byResource = await refresh(w, back.body.refresh_token, { resource: 'urn:warden:graph' });
    assert.equal(byResource.status, 200, JSON.stringify(byResource.body));
    const byResourceToken = decodeJwt(byResource.body.access_token);
    assert.equal(byResourceToken.aud, 'urn:warden:graph');
    assert.equal(byResourceToken.scp, 'Directory.AccessAsUser.All');
    assert.deepEqual(byResourceToken.amr, ['pwd', 'otp', 'mfa']);

    // Naming no resource: the first one the sign-in asked for.
    const plain = await refresh(w, byResource.body.refresh_token, {});
    assert.equal(decodeJwt(plain.body.access_token).aud, 'urn:warden:partner-api');
  });

  test('RFC 8707 §2: a token request naming the scopes of two resources is refused (one audience per token)', async () => {
    const { refresh_token } = await janeSignIn(w, BOTH);
    const both = await refresh(w, refresh_token, {
      scope: 'urn:warden:partner-api/user_impersonation urn:warden:graph/Directory.AccessAsUser.All',
    });
    assert.equal(both.status, 400);
    assert.equal(both.body.error, 'invalid_target');
    // The refusal used nothing up: the same refresh token still works.
    assert.equal((await refresh(w, refresh_token, { scope: 'urn:warden:graph/.default' })).status, 200);
  });

  test('Entra (reference §3.1): a refresh token of a Partner API sign-in is redeemed for Graph, a resource the client may call; one audience, amr kept, rotated', async () => {
    const { refresh_token } = await janeSignIn(
      w,
      'openid profile offline_access urn:warden:partner-api/user_impersonation',
    );
    const graph = await refresh(w, refresh_token, {
      scope: 'urn:warden:graph/.default openid profile offline_access',
    });
    assert.equal(graph.status, 200, JSON.stringify(graph.body));
    const claims = await verifyWithJwks(w, 'contoso', graph.body.access_token, 'urn:warden:graph');
    assert.equal(claims.scp, 'Directory.AccessAsUser.All');
    assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa']);
    assert.notEqual(graph.body.refresh_token, refresh_token);
    // The chain now serves both, by scope or by resource; the used token is used up (SPEC §10).
    const back = await refresh(w, graph.body.refresh_token, { resource: 'urn:warden:graph' });
    assert.equal(back.status, 200, JSON.stringify(back.body));
    assert.equal(decodeJwt(back.body.access_token).aud, 'urn:warden:graph');
    const partner = await refresh(w, back.body.refresh_token, {
      scope: 'urn:warden:partner-api/user_impersonation',
    });
    assert.equal(decodeJwt(partner.body.access_token).aud, 'urn:warden:partner-api');
    // A replay of the first token, for the new resource too, ends the chain (SPEC §10).
    const replay = await refresh(w, refresh_token, { scope: 'urn:warden:graph/.default' });
    assert.equal(replay.body.error, 'invalid_grant');
    assert.equal((await refresh(w, partner.body.refresh_token, {})).body.error, 'invalid_grant');
  });

  test('Entra AADSTS65001: a refresh for a resource the client may not ask for is refused (invalid_grant, consent_required); the token still works', async () => {
    const contoso = w.demo.tenants.contoso!.id;
    const { application } = await createApplication(w.ctx.db, w.ctx.secrets, contoso, {
      displayName: 'Partner API only tool',
      clientType: 'public',
      allowedScopes: ['urn:warden:partner-api/user_impersonation'],
    });
    const { body: device } = await requestDeviceCode(w, 'contoso', {
      client_id: application.id,
      scope: 'openid offline_access urn:warden:partner-api/user_impersonation',
    });
    await approveDevice(w, device.verification_uri, device.user_code, 'jane@contoso.example');
    const tokens = await pollToken(w, device.device_code, 'contoso', application.id);
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    const graph = await refresh(w, tokens.body.refresh_token, {
      client_id: application.id,
      scope: 'urn:warden:graph/.default',
    });
    assert.equal(graph.status, 400);
    assert.equal(graph.body.error, 'invalid_grant');
    assert.deepEqual(graph.body.error_codes, [65001]);
    assert.equal(graph.body.suberror, 'consent_required');
    const byResource = await refresh(w, tokens.body.refresh_token, {
      client_id: application.id,
      resource: 'urn:warden:graph',
    });
    assert.deepEqual(byResource.body.error_codes, [65001]);
    const again = await refresh(w, tokens.body.refresh_token, { client_id: application.id });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(decodeJwt(again.body.access_token).aud, 'urn:warden:partner-api');
  });

  test('Entra AADSTS70011, 500011: a refresh naming a scope the new resource does not define, or a resource the tenant lacks, is refused; the token still works', async () => {
    const { refresh_token } = await janeSignIn(
      w,
      'openid profile offline_access urn:warden:partner-api/user_impersonation',
    );
    const graph = await refresh(w, refresh_token, { scope: 'urn:warden:graph/Everything.ReadWrite.All' });
    assert.equal(graph.status, 400);
    assert.equal(graph.body.error, 'invalid_scope');
    assert.deepEqual(graph.body.error_codes, [70011]);
    // An API no application of the tenant exposes: Entra's AADSTS500011.
    const nowhere = await refresh(w, refresh_token, { scope: `api://${crypto.randomUUID()}/access_as_user` });
    assert.equal(nowhere.status, 400);
    assert.equal(nowhere.body.error, 'invalid_resource');
    assert.deepEqual(nowhere.body.error_codes, [500011]);
    assert.equal((await refresh(w, refresh_token, {})).status, 200);
  });

  test('SPEC §3: a device-code sign-in for two resources refreshes into a Graph token with the sign-in amr', async () => {
    const { body: device } = await requestDeviceCode(w, 'contoso', { scope: BOTH });
    await approveDevice(w, device.verification_uri, device.user_code, 'jane@contoso.example');
    const tokens = await pollToken(w, device.device_code);
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    assert.equal(decodeJwt(tokens.body.access_token).aud, 'urn:warden:partner-api');
    const graph = await refresh(w, tokens.body.refresh_token, {
      scope: 'urn:warden:graph/.default openid profile offline_access',
    });
    assert.equal(graph.status, 200, JSON.stringify(graph.body));
    const claims = decodeJwt(graph.body.access_token);
    assert.equal(claims.aud, 'urn:warden:graph');
    assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa']);
  });
});
