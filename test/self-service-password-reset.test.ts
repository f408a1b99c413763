import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import { verifyPassword } from '../src/authentication-methods/passwords.ts';
import { totpFor } from '../src/authentication-methods/totp.ts';
import { getUser } from '../src/directory/users.ts';
import { activeUserRisk, raiseDetection } from '../src/identity-protection/risk-state.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { redeem, signIn, startAuthorization } from './support/oidc.ts';
import { UserAgent } from './support/user-agent.ts';
import { type MadeUser, makeUser } from './support/users.ts';

/** A tiny browser: one cookie jar for /{tenant}/sspr. */
async function flow(w: TestWarden, tenantId: string) {
  let cookie = '';
  let csrf = '';
  const url = `${w.baseUrl}/${tenantId}/sspr`;
  const take = async (res: Response) => {
    const set = res.headers.get('set-cookie');
    if (set) cookie = set.split(';')[0]!;
    const body = await res.text();
    csrf = /name="csrf" value="([^"]+)"/.exec(body)?.[1] ?? csrf;
    return { status: res.status, body };
  };
  return {
    /** The jar as it is now, and putting it back (a copy of the cookie kept by someone). */
    save: () => ({ cookie, csrf }),
    restore: (saved: { cookie: string; csrf: string }) => {
      ({ cookie, csrf } = saved);
    },
    open: async () => take(await fetch(url, { redirect: 'manual' })),
    post: async (form: Record<string, string>) =>
      take(
        await fetch(url, {
          method: 'POST',
          headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ csrf, ...form }).toString(),
        }),
      ),
  };
}

/** A reset of `user` through both methods, standing at the new-password page. */
async function provenReset(w: TestWarden, user: MadeUser) {
  const [code] = await w.ctx.recoveryCodes.regenerate(w.ctx.db, user.tenantId, user.id, w.clock.now());
  const b = await flow(w, user.tenantId);
  await b.open();
  await b.post({ action: 'username', username: user.upn });
  await b.post({ action: 'totp', code: totpFor(user.totpSeed!).generate({ timestamp: w.clock.now() }) });
  await b.post({ action: 'recoveryCode', code: code! });
  return b;
}

/** Posts the new password, typed twice. */
function choose(b: Awaited<ReturnType<typeof flow>>, password: string) {
  return b.post({ action: 'password', newPassword: password, confirmPassword: password });
}

describe('issue 15 item 5: self-service password reset', () => {
  let w: TestWarden;
  before(async () => {
    w = await startWarden();
  });
  after(() => w.stop());

  it('a user with an authenticator app and a recovery code resets the password', async () => {
    const user = await makeUser(w, { totp: true });
    const [code] = await w.ctx.recoveryCodes.regenerate(w.ctx.db, user.tenantId, user.id, w.clock.now());
    const b = await flow(w, user.tenantId);
    assert.equal((await b.open()).status, 200);
    assert.match((await b.post({ action: 'username', username: user.upn })).body, /data-step="sspr_verify"/);
    const totp = totpFor(user.totpSeed!).generate({ timestamp: w.clock.now() });
    assert.equal((await b.post({ action: 'totp', code: totp })).status, 200);
    const last = await b.post({ action: 'recoveryCode', code: code! });
    assert.match(last.body, /data-step="sspr_password"/);
    const done = await b.post({
      action: 'password',
      newPassword: 'Quartz-Meadow-91',
      confirmPassword: 'Quartz-Meadow-91',
    });
    assert.equal(done.status, 200);
    const stored = await getUser(w.ctx.db, user.tenantId, user.id);
    assert.ok(await verifyPassword(stored!.passwordHash, 'Quartz-Meadow-91'));
  });

  it('a finished reset cannot be replayed, and an account disabled during the reset is not reset (400, password unchanged)', async () => {
    const user = await makeUser(w, { totp: true });
    const b = await provenReset(w, user);
    // The cookie of the proven state, kept by whoever copied it.
    const kept = b.save();
    assert.equal((await choose(b, 'Cobalt-River-72')).status, 200);
    b.restore(kept);
    assert.equal((await choose(b, 'Amber-Forest-33')).status, 400);
    const stored = await getUser(w.ctx.db, user.tenantId, user.id);
    assert.ok(await verifyPassword(stored!.passwordHash, 'Cobalt-River-72'), 'the replay set nothing');

    const other = await makeUser(w, { totp: true });
    const c = await provenReset(w, other);
    await w.ctx.db
      .updateTable('users')
      .set({ account_enabled: 0 })
      .where('tenant_id', '=', other.tenantId)
      .where('id', '=', other.id)
      .execute();
    assert.equal((await choose(c, 'Silver-Canyon-58')).status, 400);
    const unchanged = await getUser(w.ctx.db, other.tenantId, other.id);
    assert.ok(await verifyPassword(unchanged!.passwordHash, other.password), 'the password is unchanged');
  });

  it('an unknown account sees the same pages and can never succeed', async () => {
    const b = await flow(w, (await makeUser(w)).tenantId);
    await b.open();
    const page = await b.post({ action: 'username', username: 'nobody@contoso.example' });
    assert.equal(page.status, 200);
    assert.match(page.body, /data-step="sspr_verify"/);
    assert.equal((await b.post({ action: 'totp', code: '123456' })).status, 400);
  });

  it('with two methods required, one proven method does not allow a new password', async () => {
    const user = await makeUser(w, { totp: true });
    const b = await flow(w, user.tenantId);
    await b.open();
    await b.post({ action: 'username', username: user.upn });
    const totp = totpFor(user.totpSeed!).generate({ timestamp: w.clock.now() });
    assert.match((await b.post({ action: 'totp', code: totp })).body, /data-step="sspr_verify"/);
    const refused = await b.post({
      action: 'password',
      newPassword: 'Quartz-Meadow-92',
      confirmPassword: 'Quartz-Meadow-92',
    });
    assert.equal(refused.status, 400);
    const stored = await getUser(w.ctx.db, user.tenantId, user.id);
    assert.ok(await verifyPassword(stored!.passwordHash, user.password));
  });

  it('wrong codes are throttled per account and audited', async () => {
    const user = await makeUser(w, { totp: true });
    const b = await flow(w, user.tenantId);
    await b.open();
    await b.post({ action: 'username', username: user.upn });
    for (let i = 0; i < 11; i++)
      assert.equal((await b.post({ action: 'recoveryCode', code: 'wrong-code' })).status, 400);
    const rows = await w.ctx.db
      .selectFrom('throttles')
      .selectAll()
      .where('tenant_id', '=', user.tenantId)
      .where('key', '=', `mfa:${user.id}`)
      .executeTakeFirst();
    assert.ok(rows && rows.locked_until > w.clock.now(), 'the sign-in’s own second-factor counter locked');
    const audits = await w.ctx.db
      .selectFrom('audit_events')
      .selectAll()
      .where('tenant_id', '=', user.tenantId)
      .where('activity', '=', 'Self-service password reset')
      .execute();
    assert.ok(audits.length >= 11);
  });

  it('a proven method does not buy fresh guesses at the other, and an unknown account stays locked across restarts', async () => {
    const user = await makeUser(w, { totp: true });
    const [code] = await w.ctx.recoveryCodes.regenerate(w.ctx.db, user.tenantId, user.id, w.clock.now());
    const b = await flow(w, user.tenantId);
    await b.open();
    await b.post({ action: 'username', username: user.upn });
    for (let i = 0; i < 8; i++) assert.equal((await b.post({ action: 'totp', code: '000000' })).status, 400);
    assert.equal((await b.post({ action: 'recoveryCode', code: code! })).status, 200);
    assert.equal((await b.post({ action: 'totp', code: '000000' })).status, 400);
    const right = totpFor(user.totpSeed!).generate({ timestamp: w.clock.now() });
    assert.equal(
      (await b.post({ action: 'totp', code: right })).status,
      400,
      'the failures before the proof still count: the account is locked',
    );

    const nobody = 'nobody-locked@contoso.example';
    const first = await flow(w, user.tenantId);
    await first.open();
    await first.post({ action: 'username', username: nobody });
    for (let i = 0; i < 10; i++) await first.post({ action: 'totp', code: '000000' });
    const again = await flow(w, user.tenantId);
    await again.open();
    await again.post({ action: 'username', username: nobody });
    await again.post({ action: 'totp', code: '000000' });
    const lock = await w.ctx.db
      .selectFrom('throttles')
      .select('locked_until')
      .where('tenant_id', '=', user.tenantId)
      .where('key', '=', `sspr:acct:${nobody}`)
      .executeTakeFirst();
    assert.ok(lock && lock.locked_until > w.clock.now(), 'the name typed stays locked in a new reset');
  });

  it('SPEC §9: a user at high risk (leaked credentials) is blocked (AADSTS50135) until they pass SSPR; then the risk is remediated, the new password signs in, and a refresh token from before is refused', async () => {
    const user = await makeUser(w, { totp: true });
    const start = await startAuthorization(w, 'contoso');
    const before = await redeem(
      start,
      (await signIn(w, start, { upn: user.upn, totpSeed: user.totpSeed! })).callback,
    );
    assert.ok(before.refresh_token);
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
        dedupeKey: `sspr-risk-${user.id}`,
      },
      now,
    );
    const blocked = new UserAgent();
    await blocked.navigate((await startAuthorization(w, 'contoso')).url);
    await blocked.submit('password', { username: user.upn, password: user.password });
    assert.equal(blocked.step(), 'blocked');
    assert.match(blocked.lastPage, /AADSTS50135/);

    w.clock.advance(30_000); // a fresh TOTP step for the reset
    // The tests above lock this source address on purpose; this one starts from a clean count.
    await w.ctx.db.deleteFrom('throttles').execute();
    const b = await provenReset(w, user);
    const chosen = await choose(b, 'Harbor-Lantern-73');
    assert.equal(chosen.status, 200, chosen.body.match(/role="alert"[^<]*/)?.[0]);
    assert.equal(await activeUserRisk(w.ctx.db, user.tenantId, user.id), 'none');
    const risky = await w.ctx.db
      .selectFrom('risky_users')
      .select(['risk_state', 'risk_detail'])
      .where('tenant_id', '=', user.tenantId)
      .where('user_id', '=', user.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(
      { ...risky },
      { risk_state: 'remediated', risk_detail: 'userPerformedSecuredPasswordReset' },
    );

    w.clock.advance(30_000);
    const after = await startAuthorization(w, 'contoso');
    const { callback } = await signIn(w, after, {
      upn: user.upn,
      password: 'Harbor-Lantern-73',
      totpSeed: user.totpSeed!,
    });
    assert.match(callback, /[?&]code=/, 'the new password signs in');
    await assert.rejects(client.refreshTokenGrant(start.config, before.refresh_token!), (error: unknown) => {
      assert.equal((error as { error?: string }).error, 'invalid_grant');
      return true;
    });
  });

  it('reference §6.4: a user an administrator confirmed compromised stays so after passing SSPR (whoever took the account may hold its methods): still blocked, risk unchanged', async () => {
    const user = await makeUser(w, { totp: true });
    const now = w.clock.now();
    await raiseDetection(
      w.ctx.db,
      {
        tenantId: user.tenantId,
        userId: user.id,
        userPrincipalName: user.upn,
        riskEventType: 'adminConfirmedUserCompromised',
        riskLevel: 'high',
        timing: 'offline',
        activity: 'user',
        activityAt: now,
        dedupeKey: `sspr-confirmed-${user.id}`,
        state: 'confirmedCompromised',
      },
      now,
    );
    await w.ctx.db.deleteFrom('throttles').execute();
    const b = await provenReset(w, user);
    assert.equal((await choose(b, 'Granite-Orchard-58')).status, 200);
    assert.equal(await activeUserRisk(w.ctx.db, user.tenantId, user.id), 'high');
    const blocked = new UserAgent();
    await blocked.navigate((await startAuthorization(w, 'contoso')).url);
    await blocked.submit('password', { username: user.upn, password: 'Granite-Orchard-58' });
    assert.equal(blocked.step(), 'blocked');
  });
});
