import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { startWarden, type TestWarden } from './support/harness.ts';
import { redeem, signIn, startAuthorization, verifyWithJwks } from './support/oidc.ts';

describe('interactive sign-in with openid-client (issue 2 item 12, SPEC §3)', () => {
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
    const id = await verifyWithJwks(w, 'contoso', tokens.id_token!, 'warden-cli');
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
    assert.equal(access.appid, 'warden-cli');
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

  it('issue 2 item 6: amr_values=mfa takes John through registration to a token with mfa', async () => {
    const start = await startAuthorization(w, 'fabrikam', { amr_values: 'mfa' });
    const { ua } = await signIn(w, start, { upn: 'john@fabrikam.example' });
    assert.equal(ua.title(), 'Set up your authenticator app');
    const secret = /aria-label="Secret key">([^<]+)</.exec(ua.lastPage)![1]!.replaceAll(' ', '');
    assert.match(ua.lastPage, /<img class="qr" src="data:image\/png;base64,/);
    const { totpCode } = await import('./support/oidc.ts');
    await ua.submit('confirm_totp', { code: totpCode(w, secret) });
    assert.equal(ua.title(), 'Save your recovery codes');
    const codes = [...ua.lastPage.matchAll(/<li><code>([a-z0-9-]+)<\/code><\/li>/g)].map((m) => m[1]);
    assert.equal(codes.length, 10);
    const callback = await ua.submit('continue');
    const tokens = await redeem(start, callback);
    assert.deepEqual(decodeJwt(tokens.access_token).amr, ['pwd', 'otp', 'mfa']);
  });
});
