import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import { createApplication } from '../src/directory/applications.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import {
  completeSecondStep,
  redeem,
  relyingParty,
  signIn,
  startAuthorization,
  totpCode,
  verifyWithJwks,
} from './support/oidc.ts';
import { UserAgent } from './support/user-agent.ts';

describe('SPEC §3: interactive sign-in with openid-client', () => {
  let w: TestWarden;
  before(async () => {
    w = await startWarden();
  });
  after(() => w.stop());

  it('SPEC R1: Jane (password + TOTP) gets tokens whose amr holds pwd and mfa', async () => {
    const start = await startAuthorization(w, 'contoso');
    const { callback } = await signIn(w, start, {
      upn: 'jane@contoso.example',
      totpSeed: w.demo.users['jane@contoso.example']!.totpSeed!,
    });
    assert.match(callback, /^http:\/\/localhost:53682\/?\?code=/);
    const tokens = await redeem(start, callback);
    const id = await verifyWithJwks(w, 'contoso', tokens.id_token!, w.demo.clients['warden-cli']!.clientId);
    assert.deepEqual(id.amr, ['pwd', 'otp', 'mfa']);
    assert.equal(id.tid, w.demo.tenants.contoso!.id);
    assert.equal(id.preferred_username, 'jane@contoso.example');

    const access = await verifyWithJwks(w, 'contoso', tokens.access_token, 'urn:warden:partner-api');
    assert.deepEqual(access.amr, ['pwd', 'otp', 'mfa']);
    assert.equal(access.acr, 'urn:warden:acr:mfa');
    assert.equal(access.scp, 'user_impersonation');
    assert.equal(access.upn, 'jane@contoso.example');
    assert.equal(access.oid, w.demo.users['jane@contoso.example']!.id);
    assert.equal(access.tid, w.demo.tenants.contoso!.id);
    assert.equal(access.appid, w.demo.clients['warden-cli']!.clientId);
    assert.equal(access.idtyp, 'user');
    for (const claim of ['name', 'given_name', 'family_name', 'auth_time', 'iat', 'nbf', 'exp']) {
      assert.ok(access[claim] !== undefined, `access token lacks ${claim}`);
    }
    assert.ok(tokens.refresh_token, `offline_access gives a refresh token (scope: ${tokens.scope})`);
  });

  it('SPEC §3: John (Fabrikam, no MFA policy) gets amr without mfa', async () => {
    const start = await startAuthorization(w, 'fabrikam');
    const { callback } = await signIn(w, start, { upn: 'john@fabrikam.example' });
    const tokens = await redeem(start, callback);
    const access = decodeJwt(tokens.access_token);
    assert.deepEqual(access.amr, ['pwd']);
    assert.equal(access.acr, 'urn:warden:acr:pwd');
  });

  it('SPEC §8: amr_values=mfa takes John through registration to a token with mfa', async () => {
    const start = await startAuthorization(w, 'fabrikam', { amr_values: 'mfa' });
    const { ua } = await signIn(w, start, { upn: 'john@fabrikam.example' });
    assert.equal(ua.step(), 'register_method');
    const secret = /aria-label="Secret key">([^<]+)</.exec(ua.lastPage)![1]!.replaceAll(' ', '');
    assert.match(ua.lastPage, /<img class="qr" src="data:image\/png;base64,/);
    await ua.submit('confirm_totp', { code: totpCode(w, secret) });
    assert.equal(ua.step(), 'recovery_codes');
    const codes = [...ua.lastPage.matchAll(/<li><code>([a-z0-9-]+)<\/code><\/li>/g)].map((m) => m[1]);
    assert.equal(codes.length, 10);
    const callback = await ua.submit('continue');
    const tokens = await redeem(start, callback);
    assert.deepEqual(decodeJwt(tokens.access_token).amr, ['pwd', 'otp', 'mfa']);
  });
});

describe('OIDC Core §3.1.2.4: consent and cancel', () => {
  let w: TestWarden;
  before(async () => {
    w = await startWarden();
  });
  after(() => w.stop());

  it('OIDC Core §3.1.2.4: a multi-tenant app from another partner asks for consent; accepting completes the sign-in', async () => {
    await createApplication(w.ctx.db, w.ctx.secrets, w.demo.tenants.fabrikam!.id, {
      id: '2901a056-d281-432f-bb6e-7bdd07cf3ef7',
      displayName: 'Fabrikam portal',
      clientType: 'public',
      redirectUris: ['http://localhost/'],
      multiTenant: true,
      allowedScopes: [],
    });
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(
      // The Fabrikam app signs a Contoso user in at Contoso's authority.
      await relyingParty(w, 'contoso', '2901a056-d281-432f-bb6e-7bdd07cf3ef7'),
      {
        redirect_uri: 'http://localhost:53682/',
        scope: 'openid profile',
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      },
    );
    const ua = new UserAgent();
    await ua.navigate(url.toString());
    const at = await ua.submit('password', { username: 'sam@contoso.example', password: w.demo.password });
    // SPEC §10: the consent needs MFA, so a user with no method registers one first, without a skip.
    assert.equal(ua.step(), 'register_method');
    await completeSecondStep(w, ua, { at, upn: 'sam@contoso.example', mfa: true });
    assert.equal(ua.step(), 'consent');
    assert.match(ua.lastPage, /registered by Fabrikam/);
    assert.match(await ua.submit('consent'), /code=/);
  });

  it('OIDC Core §3.1.2.6: cancelling the sign-in returns access_denied to the application', async () => {
    const start = await startAuthorization(w, 'contoso');
    const ua = new UserAgent();
    await ua.navigate(start.url);
    const callback = new URL(await ua.submit('cancel'));
    assert.equal(callback.searchParams.get('error'), 'access_denied');
  });
});
