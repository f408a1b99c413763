import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  createTemporaryAccessPass,
  redeemTemporaryAccessPass,
} from '../src/authentication-methods/temporary-access-pass/passes.ts';
import { setFirstRegistrationRequiresTap } from '../src/authentication-methods/temporary-access-pass/registration-setting.ts';
import { grantGdap } from './support/aobo.ts';
import { USER_ADMIN } from './support/gdap.ts';
import { graphAppToken, graphToken } from './support/graph.ts';
import { RESET_PASSWORD } from './support/graph-users.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { completeSecondStep, redeem, startAuthorization } from './support/oidc.ts';
import { callApi } from './support/tokens.ts';
import { UserAgent } from './support/user-agent.ts';
import { type MadeUser, makeUser } from './support/users.ts';

const TAPS = (id: string) => `/v1.0/users/${id}/authentication/temporaryAccessPassMethods`;
const POLICY = '/v1.0/policies/authenticationMethodsPolicy';

describe('Issue 15 item 2: the Temporary Access Pass and a first registration an attacker cannot take', () => {
  let w: TestWarden;
  let admin: string;
  let adminUpn: string;
  let contoso: string;
  before(async () => {
    w = await startWarden();
    contoso = w.demo.tenants.contoso!.id;
    adminUpn = (await makeUser(w, { name: 'tapadmin', roles: ['Global Administrator'], totp: true })).upn;
  });
  // Tests move the clock: each gets a Global Administrator's token valid now.
  beforeEach(async () => {
    admin = await graphToken(w, adminUpn);
  });
  after(() => w.stop());

  async function issue(user: MadeUser, body: Record<string, unknown> = {}) {
    const res = await callApi(w, 'POST', TAPS(user.id), { token: admin, body });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as { id: string; temporaryAccessPass: string };
  }

  /** A sign-in at Contoso's authority with the pass instead of the password. */
  async function signInWithPass(upn: string, pass: string) {
    const start = await startAuthorization(w, 'contoso');
    const ua = new UserAgent();
    await ua.navigate(start.url);
    const at = await ua.submit('temporary_access_pass', { username: upn, temporaryAccessPass: pass });
    return { start, ua, at };
  }

  async function signInWithPassword(upn: string) {
    const start = await startAuthorization(w, 'contoso');
    const ua = new UserAgent();
    await ua.navigate(start.url);
    const at = await ua.submit('password', { username: upn, password: w.demo.password });
    return { start, ua, at };
  }

  async function lastSignIn(userId: string) {
    return w.ctx.db
      .selectFrom('sign_ins')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
  }

  it("Graph temporaryAccessPassMethods: created with Entra's shape and the pass shown once; listed and read without it; one per user; deleted", async () => {
    const user = await makeUser(w, { name: 'tapshape' });
    const created = await callApi(w, 'POST', TAPS(user.id), {
      token: admin,
      body: { lifetimeInMinutes: 10, isUsableOnce: true },
    });
    assert.equal(created.status, 201);
    const tap = created.body;
    assert.equal(tap['@odata.type'], '#microsoft.graph.temporaryAccessPassAuthenticationMethod');
    assert.match(tap.temporaryAccessPass, /^[a-z2-9]{16}$/);
    assert.equal(tap.lifetimeInMinutes, 10);
    assert.equal(tap.isUsableOnce, true);
    assert.equal(tap.isUsable, true);
    assert.equal(tap.methodUsabilityReason, 'EnabledByPolicy');
    assert.equal(tap.startDateTime, tap.createdDateTime, 'usable from its creation unless told');
    const stored = await w.ctx.db
      .selectFrom('temporary_access_passes')
      .selectAll()
      .where('tenant_id', '=', contoso)
      .where('user_id', '=', user.id)
      .executeTakeFirstOrThrow();
    assert.ok(!JSON.stringify(stored).includes(tap.temporaryAccessPass), 'only a hash is stored');

    const list = await callApi(w, 'GET', TAPS(user.id), { token: admin });
    assert.equal(list.status, 200);
    assert.equal(list.body.value.length, 1);
    assert.equal(list.body.value[0].temporaryAccessPass, null);
    const one = await callApi(w, 'GET', `${TAPS(user.id)}/${tap.id}`, { token: admin });
    assert.equal(one.status, 200);
    assert.equal(one.body.temporaryAccessPass, null);
    assert.equal(one.body.id, tap.id);

    const second = await callApi(w, 'POST', TAPS(user.id), { token: admin, body: {} });
    assert.equal(second.status, 400);
    assert.equal(second.body.error.code, 'Request_MultipleObjectsWithSameKeyValue');

    w.clock.advance(11 * 60_000);
    admin = await graphToken(w, adminUpn);
    const expired = await callApi(w, 'GET', `${TAPS(user.id)}/${tap.id}`, { token: admin });
    assert.deepEqual(
      [expired.body.isUsable, expired.body.methodUsabilityReason],
      [false, 'Expired'],
      JSON.stringify(expired.body),
    );
    // An expired pass is replaced by a new one; the new one has Entra's default lifetime (1 hour).
    const renewed = await callApi(w, 'POST', TAPS(user.id), { token: admin });
    assert.equal(renewed.status, 201);
    assert.equal(renewed.body.lifetimeInMinutes, 60);
    assert.equal(renewed.body.isUsableOnce, false);

    const deleted = await callApi(w, 'DELETE', `${TAPS(user.id)}/${renewed.body.id}`, { token: admin });
    assert.equal(deleted.status, 204);
    const audited = await w.ctx.db
      .selectFrom('audit_events')
      .selectAll()
      .where('tenant_id', '=', contoso)
      .where('target_id', '=', user.id)
      .orderBy('occurred_at')
      .execute();
    assert.deepEqual(
      audited.map((e) => [e.activity, e.actor_name]),
      [
        ['Admin registered temporary access pass method for user', adminUpn],
        ['Admin registered temporary access pass method for user', adminUpn],
        ['Admin deleted temporary access pass method for user', adminUpn],
      ],
    );
    assert.ok(
      audited.every(
        (e) =>
          !e.details.includes(tap.temporaryAccessPass) &&
          !e.details.includes(renewed.body.temporaryAccessPass),
      ),
      'the audit log never holds a pass',
    );
    const gone = await callApi(w, 'GET', `${TAPS(user.id)}/${renewed.body.id}`, { token: admin });
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error.code, 'Request_ResourceNotFound');
  });

  it("Reference §3.2: a lifetime outside Entra's 10 minutes–30 days, or a start in the past, is refused", async () => {
    const user = await makeUser(w, { name: 'tapbounds' });
    for (const body of [
      { lifetimeInMinutes: 9 },
      { lifetimeInMinutes: 43_201 },
      { startDateTime: new Date(w.clock.now() - 3_600_000).toISOString() },
      { startDateTime: 'not a date' },
      { temporaryAccessPass: 'chosen-by-the-caller' },
    ]) {
      const res = await callApi(w, 'POST', TAPS(user.id), { token: admin, body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error.code, 'Request_BadRequest', JSON.stringify(body));
    }
    const later = await callApi(w, 'POST', TAPS(user.id), {
      token: admin,
      body: { lifetimeInMinutes: 10, startDateTime: new Date(w.clock.now() + 3_600_000).toISOString() },
    });
    assert.equal(later.status, 201);
    assert.deepEqual([later.body.isUsable, later.body.methodUsabilityReason], [false, 'NotYetValid']);
  });

  it('Reference §3.1: who may issue a pass — an application without UserAuthenticationMethod.ReadWrite.All may not; a Helpdesk Administrator not for an administrator; nobody for themselves', async () => {
    const target = await makeUser(w, { name: 'taptarget', roles: ['Security Administrator'], totp: true });
    const app = await callApi(w, 'POST', TAPS(target.id), { token: await graphAppToken(w), body: {} });
    assert.equal(app.status, 403, JSON.stringify(app.body));
    assert.equal(app.body.error.code, 'Authorization_RequestDenied');
    const helpdesk = await makeUser(w, {
      name: 'taphelpdesk',
      roles: ['Helpdesk Administrator'],
      totp: true,
    });
    const helpdeskToken = await graphToken(w, helpdesk.upn);
    const onAdmin = await callApi(w, 'POST', TAPS(target.id), { token: helpdeskToken, body: {} });
    assert.equal(onAdmin.status, 403, JSON.stringify(onAdmin.body));
    assert.equal(onAdmin.body.error.code, 'Authorization_RequestDenied');
    const self = await callApi(w, 'POST', TAPS(helpdesk.id), { token: helpdeskToken, body: {} });
    assert.equal(self.status, 403);
    const plain = await makeUser(w, { name: 'tapplain' });
    const ok = await callApi(w, 'POST', TAPS(plain.id), { token: helpdeskToken, body: {} });
    assert.equal(ok.status, 201, 'a Helpdesk Administrator issues a pass to a non-administrator');
    const reader = await makeUser(w, { name: 'tapreader', roles: ['Billing Administrator'], totp: true });
    const list = await callApi(w, 'GET', TAPS(plain.id), { token: await graphToken(w, reader.upn) });
    assert.equal(list.status, 403, 'a Billing Administrator does not read authentication methods');
  });

  it('Issue 15 item 2: a user signs in with a one-time pass instead of the password; amr says otp and mfa, the log names the pass, and the pass works once', async () => {
    const user = await makeUser(w, { name: 'tapsignin', totp: true });
    const { temporaryAccessPass } = await issue(user, { isUsableOnce: true });
    const first = await signInWithPass(user.upn, temporaryAccessPass.toUpperCase());
    assert.match(first.at, /code=/, 'no password and no second factor asked');
    const tokens = await redeem(first.start, first.at);
    assert.deepEqual([...((tokens.claims()?.amr ?? []) as string[])].sort(), ['mfa', 'otp']);
    const row = await lastSignIn(user.id);
    assert.equal(row.error_code, 0);
    assert.equal(JSON.parse(row.authentication_details)[0].authenticationMethod, 'Temporary Access Pass');

    const again = await signInWithPass(user.upn, temporaryAccessPass);
    assert.equal(again.ua.step(), 'credentials', 'a one-time pass is spent');
    assert.equal((await lastSignIn(user.id)).error_code, 50126);
  });

  it('Issue 15 item 2: wrong passes are throttled like passwords (the same counter): the sixth attempt is locked', async () => {
    const user = await makeUser(w, { name: 'tapguess' });
    await issue(user);
    for (let i = 0; i < 5; i++) {
      const guess = await signInWithPass(user.upn, `wrongpass${i}`);
      assert.equal(guess.ua.step(), 'credentials', `guess ${i}`);
    }
    const locked = await signInWithPassword(user.upn);
    assert.equal(locked.ua.step(), 'locked');
    assert.equal((await lastSignIn(user.id)).error_code, 50053);
  });

  it('Issue 15 item 2: two sign-ins racing with one one-time pass: exactly one succeeds (conditional update)', async () => {
    const user = await makeUser(w, { name: 'taprace' });
    const now = w.clock.now();
    const { pass } = await createTemporaryAccessPass(w.ctx.db, {
      tenantId: contoso,
      userId: user.id,
      createdBy: null,
      isUsableOnce: true,
      now,
    });
    const results = await Promise.all(
      Array.from({ length: 6 }, () => redeemTemporaryAccessPass(w.ctx.db, contoso, user.id, pass, now)),
    );
    assert.equal(results.filter(Boolean).length, 1, JSON.stringify(results));
    const multi = await makeUser(w, { name: 'tapmulti' });
    const reusable = await createTemporaryAccessPass(w.ctx.db, {
      tenantId: contoso,
      userId: multi.id,
      createdBy: null,
      now,
    });
    for (let i = 0; i < 3; i++)
      assert.ok(await redeemTemporaryAccessPass(w.ctx.db, contoso, multi.id, reusable.pass, now));
    assert.equal(await redeemTemporaryAccessPass(w.ctx.db, contoso, user.id, reusable.pass, now), false);
  });

  it('Issue 15 item 2: off by default — a new Security Administrator registers at the first MFA prompt with the password (seed 003 example 3)', async () => {
    const john = await makeUser(w, { name: 'tapjohn', roles: ['Security Administrator'] });
    const { ua } = await signInWithPassword(john.upn);
    assert.equal(ua.step(), 'register_method');
  });

  it('Issue 15 item 2: with the setting on, a privileged first registration after the password alone is refused, and done with a pass', async () => {
    const policy = await callApi(w, 'GET', POLICY, { token: admin });
    assert.equal(policy.status, 200);
    assert.equal(policy.body.firstRegistrationRequiresTemporaryAccessPass, false);
    assert.equal(policy.body.authenticationMethodConfigurations[0].id, 'TemporaryAccessPass');
    const patched = await callApi(w, 'PATCH', POLICY, {
      token: admin,
      body: { firstRegistrationRequiresTemporaryAccessPass: true },
    });
    assert.equal(patched.status, 204);
    const bad = await callApi(w, 'PATCH', POLICY, { token: admin, body: { displayName: 'x' } });
    assert.equal(bad.status, 400);
    try {
      assert.equal(
        (await callApi(w, 'GET', POLICY, { token: admin })).body.firstRegistrationRequiresTemporaryAccessPass,
        true,
      );
      const newAdmin = await makeUser(w, { name: 'tapsecadmin', roles: ['Security Administrator'] });
      const refused = await signInWithPassword(newAdmin.upn);
      assert.equal(refused.ua.step(), 'blocked');
      assert.match(refused.ua.lastPage, /requires a Temporary Access Pass/);
      const row = await lastSignIn(newAdmin.id);
      assert.equal(row.error_code, 53003);
      const methods = await w.ctx.db
        .selectFrom('auth_methods')
        .select('id')
        .where('tenant_id', '=', contoso)
        .where('user_id', '=', newAdmin.id)
        .execute();
      assert.equal(methods.length, 0, 'nothing was registered');

      // A partner agent group member without a role is privileged too: inside security defaults'
      // 14 days it may still skip the offer, but not register from the password alone.
      const agent = await makeUser(w, { name: 'tapagent', groups: ['AdminAgents'] });
      const offered = await signInWithPassword(agent.upn);
      assert.equal(offered.ua.step(), 'register_offer');
      await offered.ua.submit('begin_registration');
      assert.equal(offered.ua.step(), 'register_offer');
      assert.match(offered.ua.lastPage, /requires a Temporary Access Pass/);
      assert.match(await offered.ua.submit('skip_registration'), /code=/);
      // A plain user is not concerned.
      const plain = await makeUser(w, { name: 'tapnobody' });
      assert.equal((await signInWithPassword(plain.upn)).ua.step(), 'register_offer');

      // With a pass, the registration goes on, and the result proves MFA.
      const { temporaryAccessPass } = await issue(newAdmin, { isUsableOnce: true });
      const withPass = await signInWithPass(newAdmin.upn, temporaryAccessPass);
      assert.equal(withPass.ua.step(), 'register_method');
      const done = await completeSecondStep(w, withPass.ua, {
        at: withPass.at,
        upn: newAdmin.upn,
        mfa: true,
      });
      assert.match(done.at, /code=/);
      const tokens = await redeem(withPass.start, done.at);
      assert.ok(((tokens.claims()?.amr ?? []) as string[]).includes('mfa'));
      // Registered: the next password sign-in asks for the method, as always.
      assert.equal((await signInWithPassword(newAdmin.upn)).ua.step(), 'second_factor');
    } finally {
      await setFirstRegistrationRequiresTap(w.ctx.db, contoso, false, w.clock.now());
    }
  });

  it('Reference §3.2: only a Global or Security Administrator changes the setting', async () => {
    const helpdesk = await makeUser(w, {
      name: 'tappolicyhd',
      roles: ['Helpdesk Administrator'],
      totp: true,
    });
    const res = await callApi(w, 'PATCH', POLICY, {
      token: await graphToken(w, helpdesk.upn),
      body: { firstRegistrationRequiresTemporaryAccessPass: true },
    });
    assert.equal(res.status, 403);
    assert.equal(res.body.error.code, 'Authorization_RequestDenied');
  });

  it('SPEC §13: a partner user privileged only through GDAP gets a pass or a new password from a Global Administrator only', async () => {
    const agent = await makeUser(w, { name: 'gdaponly', totp: true });
    await grantGdap(w, 'contoso', 'woodgrove', [agent.upn], [USER_ADMIN]);
    for (const role of ['Helpdesk Administrator', 'Password Administrator', 'User Administrator'] as const) {
      const token = await graphToken(
        w,
        (await makeUser(w, { name: 'tapdesk', roles: [role], totp: true })).upn,
      );
      const pass = await callApi(w, 'POST', TAPS(agent.id), { token, body: {} });
      assert.equal(pass.status, 403, `${role}: ${JSON.stringify(pass.body)}`);
      assert.equal(pass.body.error.code, 'Authorization_RequestDenied');
      assert.match(pass.body.error.message, /GDAP/);
      const reset = await callApi(w, 'POST', `/v1.0/users/${agent.id}/${RESET_PASSWORD}`, { token });
      assert.equal(reset.status, 403, `${role}: ${JSON.stringify(reset.body)}`);
    }
    await issue(agent);
  });
});
