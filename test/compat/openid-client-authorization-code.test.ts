import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import type { TestWarden } from '../support/harness.ts';
import { REDIRECT_URI, signIn } from '../support/oidc.ts';
import { compatCheck, startCompatWarden } from './support/compat.ts';

/**
 * openid-client (panva), a certified OpenID Connect relying party, against a tenant authority over
 * https with none of its insecure-request allowances: discovery from the issuer URL (OIDC
 * Discovery §4), authorization code with PKCE (RFC 7636) to a loopback redirect (RFC 8252 §7.3),
 * the ID token's claims checked by openid-client, then the refresh token redeemed.
 */
let w: TestWarden;
before(async () => {
  w = await startCompatWarden();
});
after(() => w?.stop());

compatCheck(
  'openid-client',
  'discovery + authorization code with PKCE (public client, loopback redirect), then refreshTokenGrant',
  'none',
  async () => {
    // OIDC Discovery §4.3: the issuer in the document must be the URL discovered from. As at Entra,
    // the issuer names the tenant by id, so a strict client discovers from that form (by domain,
    // openid-client refuses the document, as it does Entra's).
    const issuer = new URL(w.issuer('contoso'));
    assert.match(issuer.pathname, /^\/[0-9a-f-]{36}\/v2\.0$/);
    const clientId = w.demo.clients['warden-cli']!.clientId;
    const config = await client.discovery(issuer, clientId, undefined, client.None());
    assert.equal(config.serverMetadata().issuer, issuer.href);

    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid profile offline_access urn:warden:partner-api/user_impersonation',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });
    const { callback } = await signIn(
      w,
      { config, url: url.toString(), verifier, state },
      {
        upn: 'jane@contoso.example',
        totpSeed: w.demo.users['jane@contoso.example']!.totpSeed!,
      },
    );
    const tokens = await client.authorizationCodeGrant(
      config,
      new URL(callback),
      { pkceCodeVerifier: verifier, expectedState: state, idTokenExpected: true },
      { redirect_uri: REDIRECT_URI },
    );
    const idClaims = tokens.claims()!;
    assert.equal(idClaims.iss, w.issuer('contoso'));
    assert.equal(idClaims.aud, clientId);
    assert.equal(idClaims.preferred_username, 'jane@contoso.example');
    assert.deepEqual(idClaims.amr, ['pwd', 'otp', 'mfa']);
    assert.equal(decodeJwt(tokens.access_token).aud, 'urn:warden:partner-api');
    assert.ok(tokens.refresh_token);

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
    assert.notEqual(refreshed.access_token, tokens.access_token);
    assert.ok(
      refreshed.refresh_token && refreshed.refresh_token !== tokens.refresh_token,
      'the refresh token rotates',
    );
    const claims = decodeJwt(refreshed.access_token);
    assert.equal(claims.upn, 'jane@contoso.example');
    assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa']);
  },
);
