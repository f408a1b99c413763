import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import { setRequireMfaForAllUsers, setSecurityDefaults } from '../src/directory/tenants.ts';
import { listSignIns } from '../src/sign-in-logs/sign-in-log.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { redeem, signIn, startAuthorization, totpCode } from './support/oidc.ts';
import { UserAgent } from './support/user-agent.ts';
import { makeUser } from './support/users.ts';

const DAY = 24 * 3600 * 1000;

describe('SPEC §5: security defaults and step-up end to end', () => {
  let w: TestWarden;
  before(async () => {
    w = await startWarden();
  });
  after(() => w.stop());

  it('SPEC §5: Sam (no method, not an admin) may skip registration, and only for 14 days', async () => {
    const sam = await makeUser(w, { name: 'sam', groups: ['SalesAgents'] });
    const start = await startAuthorization(w, 'contoso');
    const { ua } = await signIn(w, start, { upn: sam.upn });
    assert.equal(ua.step(), 'register_offer');
    assert.match(ua.lastPage, /skip this for\s+14 more days/);
    const tokens = await redeem(start, await ua.submit('skip_registration'));
    assert.deepEqual(decodeJwt(tokens.access_token).amr, ['pwd']);

    w.clock.advance(14 * DAY);
    const later = await startAuthorization(w, 'contoso');
    const { ua: ua2 } = await signIn(w, later, { upn: sam.upn });
    assert.equal(ua2.step(), 'register_method', 'after 14 days registration cannot be skipped');
    assert.doesNotMatch(ua2.lastPage, /value="skip_registration"/);
  });

  it('SPEC R1: a single-factor session and refresh chain end when policy comes to demand MFA', async () => {
    const sky = await makeUser(w, { name: 'sky', roles: ['Security Administrator'] });
    const sam = await makeUser(w, { name: 'sam', groups: ['SalesAgents'] });
    const ua = new UserAgent();
    const start = await startAuthorization(w, 'contoso');
    await signIn(w, start, { upn: sky.upn }, ua);
    // Sky is a Security administrator: security defaults demand MFA at once.
    assert.equal(ua.step(), 'register_method');

    // With security defaults off, Sam signs in with a password and keeps a session and a refresh token.
    const contoso = w.demo.tenants.contoso!.id;
    await setSecurityDefaults(w.ctx.db, contoso, false, w.clock.now());
    const browser = new UserAgent();
    const first = await startAuthorization(w, 'contoso');
    const { callback } = await signIn(w, first, { upn: sam.upn }, browser);
    const tokens = await redeem(first, callback);
    assert.deepEqual(decodeJwt(tokens.access_token).amr, ['pwd']);
    assert.match(
      await browser.navigate((await startAuthorization(w, 'contoso')).url),
      /code=/,
      'the session is reused',
    );

    await setRequireMfaForAllUsers(w.ctx.db, contoso, true);
    await browser.navigate((await startAuthorization(w, 'contoso')).url);
    assert.equal(browser.step(), 'credentials', 'the single-factor session no longer satisfies policy');
    await assert.rejects(
      client.refreshTokenGrant(first.config, tokens.refresh_token!),
      (e: { error?: string }) => e.error === 'invalid_grant',
    );
    await setRequireMfaForAllUsers(w.ctx.db, contoso, false);
    await setSecurityDefaults(w.ctx.db, contoso, true, w.clock.now());
  });

  it('SPEC §5: Bill (Billing admin, no method) must register at once and finishes with mfa', async () => {
    const bill = await makeUser(w, { name: 'bill', roles: ['Billing Administrator'] });
    const start = await startAuthorization(w, 'contoso');
    const { ua } = await signIn(w, start, { upn: bill.upn });
    assert.equal(ua.step(), 'register_method');
    assert.match(ua.lastPage, /requires more information/);
    const secret = /aria-label="Secret key">([^<]+)</.exec(ua.lastPage)![1]!.replaceAll(' ', '');
    await ua.submit('confirm_totp', { code: '123456' === totpCode(w, secret) ? '654321' : '123456' });
    assert.equal(ua.lastStatus, 400, 'a wrong enrolment code is refused');
    await ua.submit('confirm_totp', { code: totpCode(w, secret) });
    const tokens = await redeem(start, await ua.submit('continue'));
    assert.deepEqual(decodeJwt(tokens.access_token).amr, ['pwd', 'otp', 'mfa']);
    // The enrolment code cannot be replayed at the next sign-in.
    const next = await startAuthorization(w, 'contoso');
    const ua2 = new UserAgent();
    await ua2.navigate(next.url);
    await ua2.submit('password', { username: bill.upn, password: w.demo.password });
    await ua2.submit('totp', { code: totpCode(w, secret) });
    assert.equal(ua2.lastStatus, 400);
  });

  it('SPEC §8: a registration started before another browser registered cannot add a second authenticator', async () => {
    const hal = await makeUser(w, { name: 'hal', groups: ['HelpdeskAgents'] });
    const stale = (
      await signIn(w, await startAuthorization(w, 'contoso'), {
        upn: hal.upn,
        password: w.demo.password,
      })
    ).ua;
    const staleSecret = /aria-label="Secret key">([^<]+)</.exec(stale.lastPage)?.[1]?.replaceAll(' ', '');
    const first = await startAuthorization(w, 'contoso', { amr_values: 'mfa' });
    const { ua } = await signIn(w, first, { upn: hal.upn });
    if (ua.step() === 'register_offer') await ua.submit('begin_registration');
    const secret = /aria-label="Secret key">([^<]+)</.exec(ua.lastPage)![1]!.replaceAll(' ', '');
    await ua.submit('confirm_totp', { code: totpCode(w, secret) });
    assert.equal(ua.step(), 'recovery_codes');

    if (stale.step() === 'register_offer') await stale.submit('begin_registration');
    const attackerSecret =
      staleSecret ?? /aria-label="Secret key">([^<]+)</.exec(stale.lastPage)![1]!.replaceAll(' ', '');
    await stale.submit('confirm_totp', { code: totpCode(w, attackerSecret) });
    assert.equal(stale.step(), 'second_factor', 'the stale flow must prove the registered method instead');
    const { methodsOf } = await import('../src/authentication-methods/methods.ts');
    assert.equal((await methodsOf(w.ctx.db, hal.tenantId, hal.id)).totp.length, 1);
  });

  it('Operations: a JSON body on the sign-in form is refused cleanly, never a server error', async () => {
    const ua = new UserAgent();
    await ua.navigate((await startAuthorization(w, 'contoso')).url);
    const { url, fields } = ua.formFor('password');
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: [...ua.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      },
      body: JSON.stringify({ ...fields, username: { $ne: 1 }, password: ['x'] }),
    });
    assert.equal(response.status, 400);
  });

  it('SPEC E1 step-up: amr_values=mfa inside an existing single-factor session asks for MFA again', async () => {
    await setSecurityDefaults(w.ctx.db, w.demo.tenants.fabrikam!.id, false, w.clock.now());
    const ua = new UserAgent();
    const first = await startAuthorization(w, 'fabrikam');
    const { callback } = await signIn(w, first, { upn: 'john@fabrikam.example' }, ua);
    assert.deepEqual(decodeJwt((await redeem(first, callback)).access_token).amr, ['pwd']);

    // Same browser session, no step-up: no prompt at all.
    const silent = await startAuthorization(w, 'fabrikam');
    assert.match(await ua.navigate(silent.url), /code=/);

    const stepUp = await startAuthorization(w, 'fabrikam', { amr_values: 'mfa' });
    await ua.navigate(stepUp.url);
    assert.equal(ua.step(), 'credentials', 'the session lacks mfa, so sign-in starts again');
  });

  it('OIDC Core §3.1.2.1: acr_values naming the MFA level, max_age (and prompt=login, which max_age=0 becomes) also force MFA', async () => {
    const cases: Record<string, string>[] = [
      { acr_values: 'urn:warden:acr:mfa' },
      { max_age: '0' },
      { max_age: '600' },
      { prompt: 'login' },
    ];
    for (const extra of cases) {
      const start = await startAuthorization(w, 'fabrikam', extra);
      const { ua } = await signIn(w, start, { upn: 'john@fabrikam.example' });
      assert.ok(
        ['register_method', 'second_factor'].includes(ua.step()),
        `${JSON.stringify(extra)}: ${ua.step()} ${/role="alert"[^<]*<?[^<]*/.exec(ua.lastPage)?.[0]} status=${ua.lastStatus} url=${ua.lastUrl}}`,
      );
    }
  });

  it('SPEC R1.2: turning on "require MFA for every user" applies at the next sign-in, with the policy logged', async () => {
    const sam = await makeUser(w, { name: 'sam', groups: ['SalesAgents'] });
    const contoso = w.demo.tenants.contoso!.id;
    await setSecurityDefaults(w.ctx.db, contoso, false, w.clock.now());
    await setRequireMfaForAllUsers(w.ctx.db, contoso, true);
    const { ua } = await signIn(w, await startAuthorization(w, 'contoso'), { upn: sam.upn });
    assert.equal(ua.step(), 'register_method');
    const [row] = await listSignIns(w.ctx.db, contoso, { userId: w.demo.users[sam.upn]!.id });
    assert.equal(row!.status.errorCode, 50079);
    assert.equal(row!.authenticationRequirementPolicies[0]!.detail, 'tenantPolicy:requireMfaAllUsers');

    await setRequireMfaForAllUsers(w.ctx.db, contoso, false);
    const off = await signIn(w, await startAuthorization(w, 'contoso'), { upn: sam.upn });
    assert.match(off.callback, /code=/, 'with neither policy on, Sam signs in with a password');
    await setSecurityDefaults(w.ctx.db, contoso, true, w.clock.now());
  });
});
