import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import {
  answerConfirmation,
  approveDevice,
  DEVICE_GRANT,
  DEVICE_SCOPE,
  enterUserCode,
} from './support/device.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { redeem, relyingParty, signIn, startAuthorization } from './support/oidc.ts';
import { UserAgent } from './support/user-agent.ts';

/** openid-client v6, a relying party no one here wrote (issue 4 item 5): discovery, code + PKCE, device code. */
describe('Interop: openid-client', () => {
  let w: TestWarden;
  before(async () => {
    w = await startWarden();
  });
  after(() => w.stop());

  /** The RFC 8628 §3.5 error openid-client reports for one poll. */
  async function pollError(config: client.Configuration, deviceCode: string): Promise<string> {
    try {
      await client.genericGrantRequest(config, DEVICE_GRANT, { device_code: deviceCode });
      return 'tokens';
    } catch (error) {
      assert.ok(error instanceof client.ResponseBodyError, String(error));
      return error.error;
    }
  }

  test('Interop: discovery names the device authorization endpoint and the device grant (RFC 8628 §4)', async () => {
    const metadata = (await relyingParty(w, 'contoso')).serverMetadata();
    assert.equal(metadata.issuer, w.issuer('contoso'));
    assert.match(metadata.device_authorization_endpoint ?? '', /\/oauth2\/v2\.0\/devicecode$/);
    assert.ok(metadata.grant_types_supported?.includes(DEVICE_GRANT));
    assert.deepEqual(metadata.code_challenge_methods_supported, ['S256']);
  });

  test('Interop: authorization code + PKCE as Jane gives tokens with amr mfa', async () => {
    const start = await startAuthorization(w, 'contoso');
    const { callback } = await signIn(w, start, {
      upn: 'jane@contoso.example',
      totpSeed: w.demo.users['jane@contoso.example']!.totpSeed!,
    });
    const tokens = await redeem(start, callback);
    assert.deepEqual(tokens.claims()?.amr, ['pwd', 'otp', 'mfa']);
    assert.equal(decodeJwt(tokens.access_token).aud, 'urn:warden:partner-api');
  });

  test('Interop: device code with initiateDeviceAuthorization and pollDeviceAuthorizationGrant', async () => {
    const config = await relyingParty(w, 'contoso');
    const device = await client.initiateDeviceAuthorization(config, { scope: DEVICE_SCOPE });
    assert.equal(device.interval, 5);
    await approveDevice(w, device.verification_uri, device.user_code, 'jane@contoso.example');
    const tokens = await client.pollDeviceAuthorizationGrant(config, device);
    assert.deepEqual(tokens.claims()?.amr, ['pwd', 'otp', 'mfa']);
    assert.deepEqual(decodeJwt(tokens.access_token).amr, ['pwd', 'otp', 'mfa']);
    assert.ok(tokens.refresh_token);
  });

  test('RFC 8628 §3.5 through openid-client: authorization_pending, slow_down, expired_token', async (t) => {
    // oidc-provider and the poll interval read Date: move it, never sleep.
    t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
    const config = await relyingParty(w, 'contoso');
    const device = await client.initiateDeviceAuthorization(config, { scope: DEVICE_SCOPE });
    assert.equal(await pollError(config, device.device_code), 'authorization_pending');
    assert.equal(await pollError(config, device.device_code), 'slow_down');
    t.mock.timers.tick(10_000);
    assert.equal(await pollError(config, device.device_code), 'authorization_pending');
    t.mock.timers.tick(device.expires_in * 1000);
    assert.equal(await pollError(config, device.device_code), 'expired_token');
  });

  test('RFC 8628 §3.5 through openid-client: access_denied when the user refuses', async () => {
    const config = await relyingParty(w, 'contoso');
    const device = await client.initiateDeviceAuthorization(config, { scope: DEVICE_SCOPE });
    const ua = new UserAgent();
    await enterUserCode(ua, device.verification_uri, device.user_code);
    await answerConfirmation(ua, 'cancel');
    assert.equal(await pollError(config, device.device_code), 'access_denied');
  });
});
