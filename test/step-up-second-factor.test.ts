import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { updateUser } from '../src/directory/users.ts';
import { raiseDetection } from '../src/identity-protection/risk-state.ts';
import { MFA_ACR } from '../src/policy/acr.ts';
import { PREVIOUSLY_SATISFIED } from '../src/sign-in/steps/session-second-factor.ts';
import { listSignIns } from '../src/sign-in-logs/sign-in-log.ts';
import { dashboardSignIn } from './support/dashboard.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { freshCode, redeem, signIn, startAuthorization } from './support/oidc.ts';
import { UserAgent } from './support/user-agent.ts';
import { type MadeUser, makeUser } from './support/users.ts';

/** Fabrikam asks no MFA of its own: a password sign-in leaves a session without `mfa`. */
function partnerAdmin(w: TestWarden, extra: { accountEnabled?: boolean } = {}): Promise<MadeUser> {
  return makeUser(w, { tenant: 'fabrikam', name: 'stepper', groups: ['AdminAgents'], totp: true, ...extra });
}

function asksPassword(ua: UserAgent): boolean {
  return /name="password"/.test(ua.lastPage);
}

describe('Issue 15 item 4: step-up asks only the second factor inside the session', () => {
  let w: TestWarden;
  before(async () => {
    w = await startWarden();
  });
  after(() => w.stop());

  /** A password-only sign-in at Fabrikam's authority: the browser keeps the authority's session. */
  async function passwordSession(user: MadeUser): Promise<{ ua: UserAgent; authTime: number }> {
    const start = await startAuthorization(w, 'fabrikam');
    const { ua, callback } = await signIn(w, start, { upn: user.upn });
    const idToken = decodeJwt((await redeem(start, callback)).id_token!);
    assert.deepEqual(idToken.amr, ['pwd'], 'the first sign-in proved the password only');
    return { ua, authTime: idToken.auth_time as number };
  }

  it('SPEC E1, issue 15 item 4: the dashboard step-up asks only the code — no password field — and comes back with MFA', async () => {
    const user = await partnerAdmin(w);
    const { ua } = await dashboardSignIn(w, user.upn, { mfa: false });
    assert.match(ua.lastPage, /data-testid="mfa-status">Signed in without MFA</);
    const response = await ua.request(`${w.baseUrl}/commerce/customers`);
    assert.equal(response.status, 303);
    await ua.navigate(new URL(response.headers.get('location')!, w.baseUrl).href);
    assert.equal(ua.step(), 'second_factor');
    assert.equal(asksPassword(ua), false, 'the password is not asked again');
    await ua.submit('totp', { code: freshCode(w, user.totpSeed!) });
    assert.equal(new URL(ua.lastUrl).pathname, '/commerce/customers');
    assert.match(ua.lastPage, /data-testid="mfa-status">MFA verified</);
    // The sign-in log's row says the password was proven earlier, in this session.
    const rows = await listSignIns(w.ctx.db, user.tenantId, { userId: user.id });
    const last = rows.find((row) => row.status.errorCode === 0);
    assert.ok(last, 'the step-up is logged as a successful sign-in');
    assert.deepEqual(
      last.authenticationDetails.map((step) => [step.authenticationMethod, step.succeeded]),
      [
        ['Password', true],
        ['Authenticator app code', true],
      ],
    );
    assert.equal(last.authenticationDetails[0]!.authenticationStepResultDetail, PREVIOUSLY_SATISFIED);
  });

  it('OIDC Core §2, RFC 8176: after amr_values=mfa the token says pwd (earlier) + otp (now) + mfa, with the earlier auth_time', async () => {
    const user = await partnerAdmin(w);
    const { ua, authTime } = await passwordSession(user);
    w.clock.advance(5 * 60_000);
    const start = await startAuthorization(w, 'fabrikam', { amr_values: 'mfa', login_hint: user.upn });
    await ua.navigate(start.url);
    assert.equal(ua.step(), 'second_factor');
    assert.equal(asksPassword(ua), false);
    const callback = await ua.submit('totp', { code: freshCode(w, user.totpSeed!) });
    assert.match(callback, /[?&]code=/);
    const idToken = decodeJwt((await redeem(start, callback)).id_token!);
    assert.deepEqual([...(idToken.amr as string[])].sort(), ['mfa', 'otp', 'pwd']);
    assert.equal(idToken.acr, MFA_ACR);
    assert.equal(idToken.auth_time, authTime, 'only the factor is new: auth_time is the first sign-in’s');
  });

  it('Issue 15 item 4: “Not you?” on the second-factor page leaves the session’s account for the whole sign-in', async () => {
    const user = await partnerAdmin(w);
    const { ua } = await passwordSession(user);
    await ua.navigate((await startAuthorization(w, 'fabrikam', { amr_values: 'mfa' })).url);
    assert.equal(ua.step(), 'second_factor');
    await ua.submit('use_another_account');
    assert.equal(ua.step(), 'credentials');
    assert.ok(asksPassword(ua));
    // Shown again, the flow stays at the password: the session is not offered a second time.
    await ua.navigate(ua.lastUrl);
    assert.equal(ua.step(), 'credentials');
  });

  it('SPEC §9: the second-factor-only step counts wrong codes as the second factor always has', async () => {
    const user = await partnerAdmin(w);
    const { ua } = await passwordSession(user);
    const start = await startAuthorization(w, 'fabrikam', { amr_values: 'mfa' });
    await ua.navigate(start.url);
    assert.equal(ua.step(), 'second_factor');
    let locked = false;
    for (let attempt = 0; attempt < 11 && !locked; attempt++) {
      const right = Number(freshCode(w, user.totpSeed!));
      await ua.submit('totp', { code: String((right + 500_000) % 1_000_000).padStart(6, '0') });
      locked = ua.lastStatus === 429;
    }
    assert.ok(locked, 'after ten wrong codes the second factor locks (AADSTS50053)');
    assert.match(ua.lastPage, /AADSTS50053/);
  });

  for (const [name, extra] of [
    ['prompt=login', { prompt: 'login' }],
    ['max_age=0', { max_age: '0' }],
  ] as const) {
    it(`OIDC Core §3.1.2.1: ${name} with amr_values=mfa asks for everything, the password first`, async () => {
      const user = await partnerAdmin(w);
      const { ua } = await passwordSession(user);
      const start = await startAuthorization(w, 'fabrikam', { amr_values: 'mfa', ...extra });
      await ua.navigate(start.url);
      assert.equal(ua.step(), 'credentials');
      assert.ok(asksPassword(ua));
      await ua.submit('password', { username: user.upn, password: w.demo.password });
      assert.equal(ua.step(), 'second_factor');
      const callback = await ua.submit('totp', { code: freshCode(w, user.totpSeed!) });
      const idToken = decodeJwt((await redeem(start, callback)).id_token!);
      assert.ok((idToken.amr as string[]).includes('mfa'));
    });
  }

  it('OIDC Core §3.1.2.1: max_age exceeded asks for everything; within max_age only the code', async () => {
    const user = await partnerAdmin(w);
    const { ua } = await passwordSession(user);
    w.clock.advance(10 * 60_000);
    await ua.navigate((await startAuthorization(w, 'fabrikam', { amr_values: 'mfa', max_age: '60' })).url);
    assert.equal(ua.step(), 'credentials', 'the session’s sign-in is older than max_age');
    assert.ok(asksPassword(ua));
    const other = await partnerAdmin(w);
    const { ua: recent } = await passwordSession(other);
    await recent.navigate(
      (await startAuthorization(w, 'fabrikam', { amr_values: 'mfa', max_age: '3600' })).url,
    );
    assert.equal(recent.step(), 'second_factor', 'within max_age the password stands');
  });

  it('OIDC Core §3.1.2.1: max_age passing while the code page is open ends in login_required, not an old auth_time', async () => {
    const user = await partnerAdmin(w);
    const { ua } = await passwordSession(user);
    await ua.navigate((await startAuthorization(w, 'fabrikam', { amr_values: 'mfa', max_age: '120' })).url);
    assert.equal(ua.step(), 'second_factor');
    w.clock.advance(5 * 60_000);
    const callback = await ua.submit('totp', { code: freshCode(w, user.totpSeed!) });
    assert.match(callback, /[?&]error=login_required/);
    assert.doesNotMatch(callback, /[?&]code=/);
  });

  it('OIDC Core §3.1.2.1: a login_hint naming someone else is not answered from this session — the whole sign-in, as that user, password first', async () => {
    const first = await partnerAdmin(w);
    const other = await partnerAdmin(w);
    const { ua } = await passwordSession(first);
    const start = await startAuthorization(w, 'fabrikam', { amr_values: 'mfa', login_hint: other.upn });
    await ua.navigate(start.url);
    assert.equal(ua.step(), 'credentials');
    assert.ok(asksPassword(ua));
    await ua.submit('password', { username: other.upn, password: w.demo.password });
    assert.equal(ua.step(), 'second_factor');
    assert.ok(ua.lastPage.includes(`Signing in as <strong>${other.upn}</strong>`), 'the other user signs in');
    // oidc-provider then ends the first user's session before the other's result is issued.
  });

  it('SPEC §9: a user disabled since the session is refused (AADSTS50057), not stepped up', async () => {
    const user = await partnerAdmin(w);
    const { ua } = await passwordSession(user);
    await updateUser(w.ctx.db, user.tenantId, user.id, { accountEnabled: false });
    const start = await startAuthorization(w, 'fabrikam', { amr_values: 'mfa' });
    await ua.navigate(start.url);
    assert.equal(ua.step(), 'credentials', 'the whole sign-in, not the second factor');
    await ua.submit('password', { username: user.upn, password: w.demo.password });
    assert.equal(ua.lastStatus, 403);
    assert.match(ua.lastPage, /AADSTS50057/);
  });

  it('SPEC §9: a user at high risk since the session is refused (AADSTS50135), not stepped up', async () => {
    const user = await partnerAdmin(w);
    const { ua } = await passwordSession(user);
    const now = w.clock.now();
    await raiseDetection(
      w.ctx.db,
      {
        tenantId: user.tenantId,
        userId: user.id,
        userPrincipalName: user.upn,
        riskEventType: 'leakedCredentials',
        riskLevel: 'high',
        timing: 'offline',
        activity: 'user',
        activityAt: now,
        dedupeKey: `step-up-test:${user.id}`,
      },
      now,
    );
    const start = await startAuthorization(w, 'fabrikam', { amr_values: 'mfa' });
    await ua.navigate(start.url);
    assert.equal(ua.step(), 'credentials', 'the whole sign-in, not the second factor');
    await ua.submit('password', { username: user.upn, password: w.demo.password });
    assert.equal(ua.lastStatus, 403);
    assert.match(ua.lastPage, /AADSTS50135/);
  });

  it('Issue 15 item 4: a form naming session_second_factor cannot skip the password — without a session, or under prompt=login', async () => {
    /** Posts the action with the page's CSRF token, as a hand-made form would. */
    const post = async (ua: UserAgent) => {
      const { url, fields } = ua.formFor('password');
      await ua.navigate(url, { form: { ...fields, action: 'session_second_factor' } });
    };
    const user = await partnerAdmin(w);
    const fresh = new UserAgent();
    await fresh.navigate((await startAuthorization(w, 'fabrikam', { amr_values: 'mfa' })).url);
    assert.equal(fresh.step(), 'credentials');
    await post(fresh);
    assert.equal(fresh.step(), 'credentials', 'no session: still the password');
    assert.ok(asksPassword(fresh));

    const { ua } = await passwordSession(user);
    await ua.navigate((await startAuthorization(w, 'fabrikam', { amr_values: 'mfa', prompt: 'login' })).url);
    assert.equal(ua.step(), 'credentials');
    await post(ua);
    assert.equal(ua.step(), 'credentials', 'prompt=login: still the password');
    assert.ok(asksPassword(ua));
  });
});
