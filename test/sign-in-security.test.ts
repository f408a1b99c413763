import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { listSignIns } from '../src/sign-in-logs/sign-in-log.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { redeem, signIn, startAuthorization, totpCode } from './support/oidc.ts';
import { UserAgent } from './support/user-agent.ts';
import { makeUser } from './support/users.ts';

const JANE = 'jane@contoso.example';

describe('SPEC §8: sign-in security (TOTP, recovery codes, lockout)', () => {
  let w: TestWarden;
  let seed: string;
  before(async () => {
    w = await startWarden();
    seed = w.demo.users[JANE]!.totpSeed!;
  });
  after(() => w.stop());

  async function toSecondFactor(upn = JANE): Promise<UserAgent> {
    const ua = new UserAgent();
    await ua.navigate((await startAuthorization(w, 'contoso')).url);
    await ua.submit('password', { username: upn, password: w.demo.password });
    assert.equal(ua.step(), 'second_factor');
    return ua;
  }

  it('RFC 6238 §5.2: a TOTP code is accepted once, even in another sign-in', async () => {
    w.clock.advance(30_000);
    const code = totpCode(w, seed);
    const first = await toSecondFactor();
    assert.match(await first.submit('totp', { code }), /code=/);
    const second = await toSecondFactor();
    await second.submit('totp', { code });
    assert.equal(second.lastStatus, 400);
    assert.equal(second.step(), 'second_factor');
    assert.match(second.lastPage, /That code did not work/);
  });

  it('RFC 6238 §5.2: codes of the previous and next step are accepted (±1 step), older ones are not', async () => {
    w.clock.advance(90_000);
    const ua = await toSecondFactor();
    w.clock.advance(-60_000);
    const tooOld = totpCode(w, seed);
    w.clock.advance(30_000);
    const previous = totpCode(w, seed);
    w.clock.advance(30_000);
    await ua.submit('totp', { code: tooOld });
    assert.equal(ua.lastStatus, 400);
    assert.match(await ua.submit('totp', { code: previous }), /code=/);
  });

  it('SPEC §8: a recovery code works once and gives mfa', async () => {
    const user = await makeUser(w, { roles: ['Global Administrator'], totp: true });
    const codes = await w.ctx.recoveryCodes.regenerate(
      w.ctx.db,
      w.demo.tenants.contoso!.id,
      user.id,
      w.clock.now(),
    );
    const start = await startAuthorization(w, 'contoso');
    const ua = new UserAgent();
    await ua.navigate(start.url);
    await ua.submit('password', { username: user.upn, password: w.demo.password });
    const callback = await ua.submit('recovery_code', { code: codes[0]!.toUpperCase() });
    const tokens = await redeem(start, callback);
    assert.deepEqual(decodeJwt(tokens.access_token).amr, ['pwd', 'otp', 'mfa']);

    const again = await toSecondFactor(user.upn);
    await again.submit('recovery_code', { code: codes[0]! });
    assert.equal(again.lastStatus, 400);
    assert.equal(await w.ctx.recoveryCodes.remaining(w.ctx.db, w.demo.tenants.contoso!.id, user.id), 9);
  });

  it('STYLE 8: recovery codes are stored hashed, TOTP seeds sealed', async () => {
    const codes = await w.ctx.db.selectFrom('recovery_codes').select('code_hash').execute();
    assert.ok(codes.every((c) => !/^[a-z0-9]{5}-[a-z0-9]{5}$/.test(c.code_hash)));
    const methods = await w.ctx.db.selectFrom('auth_methods').select('secret_sealed').execute();
    assert.ok(methods.every((m) => m.secret_sealed.startsWith('v1.') && !m.secret_sealed.includes(seed)));
  });

  it('RFC 4226 §7.3: after 10 wrong second-factor codes in a row the second factor locks, logged as 50053', async () => {
    const user = await makeUser(w, { name: 'jane', roles: ['Global Administrator'], totp: true });
    const seed = user.totpSeed!;
    const ua = await toSecondFactor('sky@contoso.example').catch(() => undefined);
    assert.equal(ua, undefined, 'Sky has no method: she registers instead (checked elsewhere)');
    // A success clears the count of earlier failures; then ten wrong codes in a row.
    w.clock.advance(30_000);
    assert.match(await (await toSecondFactor(user.upn)).submit('totp', { code: totpCode(w, seed) }), /code=/);
    const jane = await toSecondFactor(user.upn);
    for (let i = 0; i < 10; i++) {
      await jane.submit('totp', { code: '000000' });
      assert.equal(jane.lastStatus, 400);
    }
    w.clock.advance(30_000);
    await jane.submit('totp', { code: totpCode(w, seed) });
    assert.equal(jane.lastStatus, 429, 'even the right code is refused while locked');
    const log = await listSignIns(w.ctx.db, w.demo.tenants.contoso!.id, { userId: user.id });
    assert.equal(log[0]!.status.errorCode, 50053);
    assert.equal(log.filter((r) => r.status.errorCode === 500121).length >= 10, true);
    w.clock.advance(10 * 60_000); // the first lock lasts 5 minutes
    const after = await toSecondFactor(user.upn);
    assert.match(await after.submit('totp', { code: totpCode(w, seed) }), /code=/);
  });

  it('AADSTS50053: password guessing locks the account with a growing lock; unknown accounts behave the same', async () => {
    const helpdesk = await makeUser(w, { name: 'hal', groups: ['HelpdeskAgents'] });
    for (const upn of [helpdesk.upn, 'nobody@contoso.example']) {
      const ua = new UserAgent();
      await ua.navigate((await startAuthorization(w, 'contoso')).url);
      for (let i = 0; i < 5; i++) {
        await ua.submit('password', { username: upn, password: 'wrong-password' });
        assert.equal(ua.lastStatus, 400);
        assert.match(ua.lastPage, /Your account or password is incorrect/);
      }
      await ua.submit('password', { username: upn, password: w.demo.password });
      assert.equal(ua.lastStatus, 429, `${upn}: locked, whether or not it exists`);
    }
    const log = await listSignIns(w.ctx.db, w.demo.tenants.contoso!.id);
    const hal = log.filter((r) => r.userPrincipalName === helpdesk.upn);
    assert.equal(hal.filter((r) => r.status.errorCode === 50126).length, 5);
    assert.equal(hal[0]!.status.errorCode, 50053);
    // First lock: 1 minute. After it, five more failures lock for 2 minutes.
    w.clock.advance(61_000);
    const ua = new UserAgent();
    await ua.navigate((await startAuthorization(w, 'contoso')).url);
    for (let i = 0; i < 5; i++) await ua.submit('password', { username: helpdesk.upn, password: 'wrong' });
    w.clock.advance(61_000);
    await ua.submit('password', { username: helpdesk.upn, password: w.demo.password });
    assert.equal(ua.lastStatus, 429, 'the second lock lasts longer than the first');
  });

  it('SPEC §11: a successful sign-in row has the Graph signIn fields', async () => {
    const start = await startAuthorization(w, 'contoso');
    w.clock.advance(30_000);
    await signIn(w, start, { upn: JANE, totpSeed: seed });
    const [row] = await listSignIns(w.ctx.db, w.demo.tenants.contoso!.id, { userId: w.demo.users[JANE]!.id });
    assert.ok(row);
    assert.equal(row.status.errorCode, 0);
    assert.equal(row.userPrincipalName, JANE);
    assert.equal(row.appId, w.demo.clients['warden-cli']!.clientId);
    assert.equal(row.resourceTenantId, w.demo.tenants.contoso!.id);
    assert.equal(row.homeTenantId, w.demo.tenants.contoso!.id);
    assert.equal(row.isInteractive, true);
    assert.equal(row.clientAppUsed, 'Browser');
    assert.equal(row.authenticationRequirement, 'multiFactorAuthentication');
    assert.deepEqual(row.authenticationRequirementPolicies, [
      { requirementProvider: 'securityDefaults', detail: 'securityDefaults:privilegedRole' },
    ]);
    assert.deepEqual(
      row.authenticationDetails.map((s) => [s.authenticationMethod, s.succeeded]),
      [
        ['Password', true],
        ['Authenticator app code', true],
      ],
    );
    assert.ok(row.ipAddress);
  });

  it('Security: a form without the flow CSRF token is refused', async () => {
    const ua = new UserAgent();
    await ua.navigate((await startAuthorization(w, 'contoso')).url);
    const { url } = ua.formFor('password');
    await ua.navigate(url, {
      form: { csrf: 'forged', action: 'password', username: JANE, password: w.demo.password },
    });
    assert.equal(ua.lastStatus, 403);
  });

  it('Security: pages carry a strict CSP and the standard autocomplete values', async () => {
    const start = await startAuthorization(w, 'contoso');
    const ua = new UserAgent();
    const url = await ua.navigate(start.url);
    const response = await ua.request(url);
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.match(ua.lastPage, /autocomplete="username"/);
    assert.match(ua.lastPage, /autocomplete="current-password"/);
    // Scripts only from Warden's own files (the passkey ceremony), never inline; no inline style.
    assert.doesNotMatch(ua.lastPage, /<script(?![^>]*\bsrc="\/assets\/[a-z-]+\.js")/);
    assert.doesNotMatch(ua.lastPage, /style=/);
  });
});

describe('SPEC §11: sign-in log interrupts', () => {
  let w: TestWarden;
  before(async () => {
    w = await startWarden();
  });
  after(() => w.stop());

  it('SPEC §11: a sign-in sent to MFA logs 50074 then 0; one sent to registration logs 50079', async () => {
    const start = await startAuthorization(w, 'contoso');
    await signIn(w, start, { upn: JANE, totpSeed: w.demo.users[JANE]!.totpSeed! });
    const jane = await listSignIns(w.ctx.db, w.demo.tenants.contoso!.id, { userId: w.demo.users[JANE]!.id });
    assert.deepEqual(
      jane.map((r) => r.status.errorCode),
      [0, 50074],
    );
    assert.equal(jane[1]!.authenticationRequirement, 'multiFactorAuthentication');

    await signIn(w, await startAuthorization(w, 'contoso'), { upn: 'sky@contoso.example' });
    const sky = await listSignIns(w.ctx.db, w.demo.tenants.contoso!.id, {
      userId: w.demo.users['sky@contoso.example']!.id,
    });
    assert.deepEqual(
      sky.map((r) => r.status.errorCode),
      [50079],
    );
  });
});

describe('AADSTS50053: guessing in parallel', () => {
  let w: TestWarden;
  before(async () => {
    w = await startWarden();
  });
  after(() => w.stop());

  it('AADSTS50053: 40 simultaneous wrong passwords for one account: at most 5 are ever checked', async () => {
    const ua = new UserAgent();
    await ua.navigate((await startAuthorization(w, 'contoso')).url);
    const { url, fields } = ua.formFor('password');
    const cookie = [...ua.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const statuses = await Promise.all(
      Array.from({ length: 40 }, () =>
        fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
          body: new URLSearchParams({ ...fields, username: 'hal@contoso.example', password: 'guess' }),
        }).then((r) => r.status),
      ),
    );
    const log = await listSignIns(w.ctx.db, w.demo.tenants.contoso!.id);
    const checked = log.filter(
      (r) => r.status.errorCode === 50126 && r.userPrincipalName === 'hal@contoso.example',
    );
    assert.ok(checked.length <= 5, `${checked.length} guesses were checked`);
    // The rest are refused: 429 (locked) or 403 (the lock ended the flow, and its CSRF token with it).
    assert.ok(statuses.filter((s) => s === 400).length <= 5, JSON.stringify(statuses));
    assert.ok(
      statuses.every((s) => [400, 403, 429].includes(s)),
      JSON.stringify(statuses),
    );
  });
});
