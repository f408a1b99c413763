import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import * as client from 'openid-client';
import { createApplication } from '../src/directory/applications.ts';
import { KEY_PUBLISH_AHEAD_MS, rotateSigningKeys } from '../src/tokens/signing-keys.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { redeem, signIn, startAuthorization, verifyWithJwks } from './support/oidc.ts';

async function janeTokens(w: TestWarden) {
  const start = await startAuthorization(w, 'contoso');
  const { callback } = await signIn(w, start, {
    upn: 'jane@contoso.example',
    totpSeed: w.demo.users['jane@contoso.example']!.totpSeed!,
  });
  return { start, tokens: await redeem(start, callback) };
}

describe('SPEC §3: tokens', () => {
  let w: TestWarden;
  before(async () => {
    w = await startWarden();
  });
  after(() => w.stop());

  it('RFC 6749 §4.4: client credentials gives an app-only token with idtyp app, roles and no amr', async () => {
    const automation = w.demo.clients['contoso-automation']!;
    const config = await client.discovery(
      new URL(w.issuer('contoso')),
      automation.clientId,
      automation.clientSecret,
      undefined,
      {
        execute: [client.allowInsecureRequests],
      },
    );
    const tokens = await client.clientCredentialsGrant(config, { scope: 'urn:warden:partner-api/.default' });
    const claims = await verifyWithJwks(w, 'contoso', tokens.access_token, 'urn:warden:partner-api');
    assert.equal(claims.idtyp, 'app');
    assert.deepEqual(claims.roles, ['Partner.Read.All']);
    assert.equal(claims.amr, undefined);
    assert.equal(claims.upn, undefined);
    assert.equal(claims.tid, w.demo.tenants.contoso!.id);
    assert.equal(claims.appid, w.demo.clients['contoso-automation']!.clientId);
  });

  it('Entra rules: a multi-tenant app gets app-only tokens only in its home tenant (no consent, no roles elsewhere)', async () => {
    const { clientSecret } = await createApplication(w.ctx.db, w.ctx.secrets, w.demo.tenants.contoso!.id, {
      id: '1d219a19-8fee-4b37-95b3-941fc9e0ca67',
      displayName: 'Contoso multi-tenant automation',
      clientType: 'confidential',
      multiTenant: true,
      grantedAppRoles: ['Partner.ReadWrite.All'],
      allowedScopes: ['urn:warden:partner-api/.default'],
    });
    const ask = (tenantKey: string) =>
      fetch(`${w.baseUrl}/${w.demo.tenants[tenantKey]!.id}/oauth2/v2.0/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: '1d219a19-8fee-4b37-95b3-941fc9e0ca67',
          client_secret: clientSecret!,
          scope: 'urn:warden:partner-api/.default',
        }),
      });
    assert.equal((await ask('contoso')).status, 200);
    const elsewhere = await ask('fabrikam');
    assert.equal(elsewhere.status, 401);
    assert.equal(((await elsewhere.json()) as { error: string }).error, 'invalid_client');
  });

  it('RFC 6749 §5.2: client credentials with a wrong secret is invalid_client', async () => {
    const response = await fetch(`${w.issuer('contoso').replace('/v2.0', '')}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'contoso-automation',
        client_secret: 'not-the-secret',
        scope: 'urn:warden:partner-api/.default',
      }),
    });
    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as { error: string }).error, 'invalid_client');
  });

  it('SPEC §3: a refreshed token keeps the amr of the sign-in that began the chain; the refresh token rotates', async () => {
    const { start, tokens } = await janeTokens(w);
    const refreshed = await client.refreshTokenGrant(start.config, tokens.refresh_token!);
    assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
    const claims = await verifyWithJwks(w, 'contoso', refreshed.access_token, 'urn:warden:partner-api');
    assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa']);
    const again = await client.refreshTokenGrant(start.config, refreshed.refresh_token!);
    assert.deepEqual(decodeJwt(again.access_token).amr, ['pwd', 'otp', 'mfa']);

    const log = await w.ctx.db.selectFrom('sign_ins').selectAll().where('is_interactive', '=', 0).execute();
    assert.ok(
      log.some((r) => r.error_code === 0 && r.user_id === w.demo.users['jane@contoso.example']!.id),
      'refresh is a non-interactive sign-in',
    );
  });

  it('RFC 9700 §4.14.2: a replayed refresh token is refused and revokes the whole chain', async () => {
    const { start, tokens } = await janeTokens(w);
    const first = await client.refreshTokenGrant(start.config, tokens.refresh_token!);
    await assert.rejects(
      client.refreshTokenGrant(start.config, tokens.refresh_token!),
      (e: { error?: string }) => e.error === 'invalid_grant',
    );
    // The token issued by the legitimate rotation is dead too.
    await assert.rejects(
      client.refreshTokenGrant(start.config, first.refresh_token!),
      (e: { error?: string }) => e.error === 'invalid_grant',
    );
  });

  it('RFC 9700 §4.14.2: two concurrent redemptions of one refresh token: at most one succeeds', async () => {
    const { start, tokens } = await janeTokens(w);
    const results = await Promise.allSettled([
      client.refreshTokenGrant(start.config, tokens.refresh_token!),
      client.refreshTokenGrant(start.config, tokens.refresh_token!),
    ]);
    assert.ok(results.filter((r) => r.status === 'fulfilled').length <= 1);
  });

  it('RFC 6749 §4.1.2: an authorization code is accepted once', async () => {
    const start = await startAuthorization(w, 'contoso');
    const { callback } = await signIn(w, start, {
      upn: 'jane@contoso.example',
      totpSeed: w.demo.users['jane@contoso.example']!.totpSeed!,
    });
    await redeem(start, callback);
    await assert.rejects(redeem(start, callback), (e: { error?: string }) => e.error === 'invalid_grant');
  });

  it('Operations: a rotated key is published ahead of signing, signs once published 10 minutes, and tokens already issued keep verifying', async () => {
    const { tokens } = await janeTokens(w);
    const oldKid = decodeProtectedHeader(tokens.access_token).kid;
    const newKid = await rotateSigningKeys(w.ctx.db, w.ctx.keyBox, w.clock.now());
    assert.equal(await w.ctx.authorities.reloadKeysIfRotated(), true);
    const published = async () =>
      (
        (await (await fetch(`${w.baseUrl}/${w.demo.tenants.contoso!.id}/discovery/v2.0/keys`)).json()) as {
          keys: { kid: string; d?: string }[];
        }
      ).keys;
    const keys = await published();
    assert.deepEqual(keys.map((k) => k.kid).sort(), [oldKid, newKid].sort(), 'published before it signs');
    assert.ok(
      keys.every((k) => k.d === undefined),
      'the JWKS publishes no private parts',
    );
    const { tokens: meanwhile } = await janeTokens(w);
    assert.equal(decodeProtectedHeader(meanwhile.access_token).kid, oldKid, 'the old key signs meanwhile');
    w.clock.advance(KEY_PUBLISH_AHEAD_MS);
    assert.equal(await w.ctx.authorities.reloadKeysIfRotated(), true);
    await verifyWithJwks(w, 'contoso', tokens.access_token, 'urn:warden:partner-api');
    const { tokens: fresh } = await janeTokens(w);
    assert.equal(decodeProtectedHeader(fresh.access_token).kid, newKid);
    await verifyWithJwks(w, 'contoso', fresh.access_token, 'urn:warden:partner-api');
    assert.equal((await published()).length, 2, 'the retired key stays published');
  });

  it('STYLE 8: codes, refresh tokens and sessions are stored only as hashes', async () => {
    const { tokens } = await janeTokens(w);
    const rows = await w.ctx.db.selectFrom('oidc_payloads').select(['id', 'payload']).execute();
    assert.ok(rows.length > 0);
    for (const secret of [tokens.refresh_token!, tokens.access_token]) {
      assert.ok(rows.every((r) => r.id !== secret && !r.payload.includes(secret)));
    }
  });

  it('STYLE 8: signing keys are stored encrypted', async () => {
    const rows = await w.ctx.db.selectFrom('signing_keys').select('private_jwk_sealed').execute();
    for (const row of rows) {
      assert.match(row.private_jwk_sealed, /^v1\./);
      assert.doesNotMatch(row.private_jwk_sealed, /"d"/);
    }
  });
});
