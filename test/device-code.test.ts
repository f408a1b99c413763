import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { answerConfirmation, enterUserCode, pollToken, requestDeviceCode } from './support/device.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { completeSecondStep } from './support/oidc.ts';
import { UserAgent } from './support/user-agent.ts';

describe('RFC 8628: the device authorization grant', () => {
  let w: TestWarden;
  before(async () => {
    w = await startWarden();
  });
  after(() => w.stop());

  test('RFC 8628 §3.2: the response names the codes, the verification URIs, expires_in and interval', async () => {
    const { status, body } = await requestDeviceCode(w);
    assert.equal(status, 200);
    assert.match(body.device_code, /^[\w-]{20,}$/);
    // RFC 8628 §6.1: base-20 (no vowels), 8 characters, shown with a separator.
    assert.match(body.user_code, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    const tenantId = w.demo.tenants.contoso!.id;
    assert.equal(body.verification_uri, `${w.baseUrl}/${tenantId}/oauth2/v2.0/deviceauth`);
    assert.equal(
      body.verification_uri_complete,
      `${body.verification_uri}?user_code=${encodeURIComponent(body.user_code)}`,
    );
    assert.equal(body.expires_in, 900);
    assert.equal(body.interval, 5);
  });

  test('RFC 8628 §3.1: only public clients may start a device sign-in', async () => {
    const secret = w.demo.clients['contoso-automation']!.clientSecret!;
    const { status, body } = await requestDeviceCode(w, 'contoso', {
      client_id: 'contoso-automation',
      client_secret: secret,
      scope: 'openid',
    });
    assert.equal(status, 400);
    assert.equal(body.error, 'invalid_request', JSON.stringify(body));
    assert.match(body.error_description ?? '', /device_code is not allowed for this client/);
  });

  test('RFC 8628 §3.3: Jane enters the code, confirms, signs in with password and TOTP; the device gets tokens with amr mfa', async () => {
    const { body: device } = await requestDeviceCode(w);
    assert.equal((await pollToken(w, device.device_code)).body.error, 'authorization_pending');

    const ua = new UserAgent();
    await enterUserCode(ua, device.verification_uri, device.user_code.toLowerCase().replace('-', ' '));
    // RFC 8628 §5.4: the confirmation names the application and the tenant and warns against phishing.
    assert.equal(ua.step(), 'device_confirm');
    assert.match(ua.lastPage, /Warden CLI|warden-cli/);
    assert.match(ua.lastPage, /Contoso/);
    assert.match(ua.lastPage, /Only continue if you started this sign-in yourself/);
    assert.ok(ua.lastPage.includes(device.user_code));
    await answerConfirmation(ua, 'continue');
    assert.equal(ua.step(), 'credentials');
    const at = await ua.submit('password', { username: 'jane@contoso.example', password: w.demo.password });
    await completeSecondStep(w, ua, { at, upn: 'jane@contoso.example', mfa: true });
    assert.equal(ua.step(), 'device_signed_in', ua.lastPage);

    const { status, body } = await pollToken(w, device.device_code);
    assert.equal(status, 200, JSON.stringify(body));
    assert.ok(body.refresh_token);
    const access = decodeJwt(body.access_token);
    assert.equal(access.aud, 'urn:warden:partner-api');
    assert.deepEqual(access.amr, ['pwd', 'otp', 'mfa']);
    assert.equal(access.upn, 'jane@contoso.example');
    assert.equal(access.appid, w.demo.clients['warden-cli']!.clientId);
    assert.equal(access.scp, 'user_impersonation');
    assert.deepEqual(decodeJwt(body.id_token).amr, ['pwd', 'otp', 'mfa']);
    // RFC 8628 §3.5 / RFC 6749 §10.5: the device code is used once.
    const again = await pollToken(w, device.device_code);
    assert.equal(again.status, 400);
    assert.equal(again.body.error, 'invalid_grant');
  });

  test('RFC 8628 §3.5: authorization_pending, slow_down when polling faster than the interval, then pending again', async (t) => {
    // Poll times are read from Date, as oidc-provider reads device-code expiry: move Date, never sleep.
    t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
    const { body: device } = await requestDeviceCode(w);
    assert.equal((await pollToken(w, device.device_code)).body.error, 'authorization_pending');
    t.mock.timers.tick(2_000);
    const fast = await pollToken(w, device.device_code);
    assert.equal(fast.status, 400);
    assert.equal(fast.body.error, 'slow_down');
    t.mock.timers.tick(5_000);
    assert.equal((await pollToken(w, device.device_code)).body.error, 'authorization_pending');
    t.mock.timers.tick(10_000);
    assert.equal((await pollToken(w, device.device_code)).body.error, 'authorization_pending');
  });

  test('RFC 8628 §3.5: expired_token once the device code is older than expires_in', async (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
    const { body: device } = await requestDeviceCode(w);
    assert.equal((await pollToken(w, device.device_code)).body.error, 'authorization_pending');
    t.mock.timers.tick(device.expires_in * 1000 + 1_000);
    const late = await pollToken(w, device.device_code);
    assert.equal(late.status, 400);
    assert.equal(late.body.error, 'expired_token');
    // The user's side says so too.
    const ua = new UserAgent();
    await enterUserCode(ua, device.verification_uri, device.user_code);
    assert.equal(ua.step(), 'device_code');
    assert.match(ua.lastPage, /That code has expired/);
  });

  test('RFC 8628 §3.5: access_denied when the user cancels on the confirmation page', async () => {
    const { body: device } = await requestDeviceCode(w);
    const ua = new UserAgent();
    await enterUserCode(ua, device.verification_uri, device.user_code);
    await answerConfirmation(ua, 'cancel');
    assert.match(ua.lastPage, /The sign-in was cancelled/);
    const { status, body } = await pollToken(w, device.device_code);
    assert.equal(status, 400);
    assert.equal(body.error, 'access_denied');
  });

  test('RFC 8628 §3.5: access_denied when the user cancels the sign-in itself', async () => {
    const { body: device } = await requestDeviceCode(w);
    const ua = new UserAgent();
    await enterUserCode(ua, device.verification_uri, device.user_code);
    await answerConfirmation(ua, 'continue');
    assert.equal(ua.step(), 'credentials');
    await ua.submit('cancel');
    assert.match(ua.lastPage, /The sign-in was cancelled/);
    const { body } = await pollToken(w, device.device_code);
    assert.equal(body.error, 'access_denied');
  });

  test('RFC 8628 §3.3: verification_uri_complete carries the code to the confirmation', async () => {
    const { body: device } = await requestDeviceCode(w);
    const ua = new UserAgent();
    const response = await ua.request(device.verification_uri_complete);
    // A self-submitting form on Warden's page: its script is a same-origin file, no hash in the CSP.
    assert.match(response.headers.get('content-security-policy') ?? '', /script-src 'self';/);
    const page = await response.text();
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(page)![1]!;
    const userCode = /name="user_code" value="([^"]+)"/.exec(page)![1]!;
    assert.equal(userCode, device.user_code);
    await ua.navigate(device.verification_uri, { form: { xsrf, user_code: userCode } });
    assert.equal(ua.step(), 'device_confirm');
  });

  test('SPEC §5 via device code: a user without an authenticator is offered registration, as in any sign-in', async () => {
    const { body: device } = await requestDeviceCode(w);
    const ua = new UserAgent();
    await enterUserCode(ua, device.verification_uri, device.user_code);
    await answerConfirmation(ua, 'continue');
    await ua.submit('password', { username: 'sam@contoso.example', password: w.demo.password });
    assert.equal(ua.step(), 'register_offer');
    await ua.submit('skip_registration');
    assert.equal(ua.step(), 'device_signed_in');
    const { body } = await pollToken(w, device.device_code);
    assert.deepEqual(decodeJwt(body.access_token).amr, ['pwd']);
  });

  test('RFC 8628 §5.1: guessing user codes is throttled per source address; a lock refuses even the right code', async () => {
    const { body: device } = await requestDeviceCode(w);
    const ua = new UserAgent();
    for (let i = 0; i < 10; i++) {
      await enterUserCode(ua, device.verification_uri, 'BCDF-GHJK');
      assert.equal(ua.lastStatus, 400);
      assert.match(ua.lastPage, /That code is not right/);
    }
    await enterUserCode(ua, device.verification_uri, device.user_code);
    assert.equal(ua.lastStatus, 429);
    assert.equal(ua.step(), 'device_locked');
    // The lock ends (Warden's clock); a right code then goes through.
    w.clock.advance(5 * 60_000 + 1);
    await enterUserCode(ua, device.verification_uri, device.user_code);
    assert.equal(ua.step(), 'device_confirm');
  });

  test('RFC 8628 §5.1: the guess count cannot be dodged by spelling the code page path differently', async () => {
    w.clock.advance(7 * 3_600_000); // past any lock of the test before
    const { body: device } = await requestDeviceCode(w);
    const ua = new UserAgent();
    const spellings = ['/oauth2/v2.0/DEVICEAUTH', '/oauth2/v2.0/deviceauth/', '/oauth2/v2.0/DeviceAuth'];
    for (let i = 0; i < 10; i++) {
      const uri = device.verification_uri.replace(
        '/oauth2/v2.0/deviceauth',
        spellings[i % spellings.length]!,
      );
      await enterUserCode(ua, uri, 'BCDF-GHJK');
      assert.equal(ua.lastStatus, 400, uri);
    }
    await enterUserCode(ua, device.verification_uri.replace('/deviceauth', '/DEVICEAUTH/'), device.user_code);
    assert.equal(ua.lastStatus, 429);
    w.clock.advance(7 * 3_600_000);
  });
});
