import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { methodsOf } from '../src/authentication-methods/methods.ts';
import { importLeakedCredentials } from '../src/identity-protection/leaked-credentials.ts';
import { activeUserRisk } from '../src/identity-protection/risk-state.ts';
import { dashboardSignIn } from './support/dashboard.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { completeSecondStep, signIn, startAuthorization } from './support/oidc.ts';
import { storePasskey } from './support/passkeys.ts';
import type { UserAgent } from './support/user-agent.ts';
import { type MadeUser, makeUser } from './support/users.ts';

const SECURITY = '/dashboard/security';
const userPage = (id: string) => `${SECURITY}/users/${id}`;
const csrfOf = (page: string) => /name="csrf" value="([^"]+)"/.exec(page)![1]!;
const testid = (page: string, id: string) => new RegExp(`data-testid="${id}"[^>]*>([^<]*)<`).exec(page)?.[1];

describe('SPEC §9 admin unblock (issue 15 item 7): the Security workspace’s page of a user', () => {
  let w: TestWarden;
  let dir: string;
  let admin: MadeUser; // Global Administrator and Admin agent
  let ua: UserAgent;

  before(async () => {
    w = await startWarden();
    dir = mkdtempSync(join(tmpdir(), 'warden-unblock-'));
    admin = await makeUser(w, {
      name: 'unblocker',
      roles: ['Global Administrator'],
      groups: ['AdminAgents'],
      totp: true,
    });
    ua = (await dashboardSignIn(w, admin.upn, { mfa: true, returnTo: SECURITY })).ua;
  });
  after(() => w.stop());

  async function leak(user: MadeUser): Promise<void> {
    const file = join(dir, `${user.id}.csv`);
    writeFileSync(file, `${user.upn},${user.password}\n`);
    await importLeakedCredentials(w.ctx.db, file, w.clock.now());
  }
  async function signInAs(upn: string, password: string) {
    return (await signIn(w, await startAuthorization(w, 'contoso'), { upn, password })).ua;
  }
  const blocked = (agent: UserAgent) => agent.lastStatus === 403 && agent.lastPage.includes('AADSTS50135');
  async function post(agent: UserAgent, path: string, form: Record<string, string>) {
    return agent.request(`${w.baseUrl}${path}`, { form });
  }
  async function open(agent: UserAgent, id: string) {
    await agent.navigate(`${w.baseUrl}${userPage(id)}`);
    return agent.lastPage;
  }
  const audited = (targetId: string) =>
    w.ctx.db
      .selectFrom('audit_events')
      .select(['activity', 'actor_name', 'details'])
      .where('target_id', '=', targetId)
      .orderBy('occurred_at')
      .execute();

  it('SPEC §9: a leaked-credential user is blocked; the admin resets to a temporary password in the dashboard (shown once); the user signs in with it and sets a new one', async () => {
    const leaked = await makeUser(w, { name: 'leaked', totp: true });
    await leak(leaked);
    assert.ok(blocked(await signInAs(leaked.upn, leaked.password)), 'blocked with 50135');

    await ua.navigate(`${w.baseUrl}${SECURITY}`);
    assert.equal(ua.lastStatus, 200);
    const row = new RegExp(`<tr data-user="${leaked.id}">.*?</tr>`).exec(ua.lastPage)?.[0] ?? '';
    assert.ok(row.includes(`href="${userPage(leaked.id)}"`), 'the list links to the user');
    assert.match(row, /data-testid="risk">high \(atRisk\)</);

    const page = await open(ua, leaked.id);
    assert.equal(ua.lastStatus, 200);
    assert.equal(testid(page, 'risk-level'), 'high');
    assert.match(page, /<td>leakedCredentials<\/td><td>high<\/td><td>atRisk<\/td>/);
    assert.match(page, /AADSTS50135/, 'the blocked sign-in is among the recent sign-ins');

    const reset = await post(ua, `${userPage(leaked.id)}/reset-password`, { csrf: csrfOf(page) });
    assert.equal(reset.status, 200);
    const body = await reset.text();
    // The page escapes it (the generator's symbols include `&`).
    const temporary = (testid(body, 'temporary-password') ?? '').replaceAll('&amp;', '&');
    assert.ok(temporary.length >= 8, 'the generated password is shown');
    assert.equal(testid(body, 'risk-state'), 'remediated');
    assert.equal(testid(body, 'risk-detail'), 'adminGeneratedTemporaryPassword');
    assert.ok(
      !(await open(ua, leaked.id)).includes('data-testid="temporary-password"'),
      'shown once: not on the page again',
    );
    assert.equal(await activeUserRisk(w.ctx.db, leaked.tenantId, leaked.id), 'none');

    const user = await signInAs(leaked.upn, temporary);
    assert.equal(user.step(), 'change_password');
    const chosen = 'Kettle-Harbour-Lantern-77';
    const at = await user.submit('change_password', { newPassword: chosen, confirmPassword: chosen });
    const done = await completeSecondStep(w, user, { at, upn: leaked.upn, mfa: false });
    assert.match(done.at, /[?&]code=/, 'signed in with the new password');
    const again = await signIn(w, await startAuthorization(w, 'contoso'), {
      upn: leaked.upn,
      password: chosen,
      totpSeed: leaked.totpSeed!,
    });
    assert.match(again.callback, /[?&]code=/, 'the new password signs in again');

    const events = await audited(leaked.id);
    const mine = events.filter((e) => e.actor_name === admin.upn).map((e) => e.activity);
    assert.deepEqual(mine.sort(), ['Remediate user risk', 'Reset user password']);
    assert.ok(
      events.every((e) => !e.details.includes(temporary)),
      'the audit log never holds the password',
    );
  });

  it('SPEC §9: dismiss unblocks (the password unchanged); confirm compromised blocks again; both audited', async () => {
    const user = await makeUser(w, { name: 'dismissed', totp: true });
    await leak(user);
    assert.ok(blocked(await signInAs(user.upn, user.password)));
    const csrf = csrfOf(await open(ua, user.id));
    const dismissed = await post(ua, `${userPage(user.id)}/dismiss-risk`, { csrf });
    assert.equal(dismissed.status, 303);
    await ua.navigate(new URL(dismissed.headers.get('location')!, w.baseUrl).toString());
    const page = ua.lastPage;
    assert.match(page, /data-testid="done"/);
    assert.deepEqual(
      [testid(page, 'risk-level'), testid(page, 'risk-state'), testid(page, 'risk-detail')],
      ['none', 'dismissed', 'adminDismissedAllRiskForUser'],
    );
    assert.match(page, /<td>leakedCredentials<\/td><td>high<\/td><td>dismissed<\/td>/);
    assert.ok(!blocked(await signInAs(user.upn, user.password)), 'the same password signs in again');

    assert.equal((await post(ua, `${userPage(user.id)}/confirm-compromised`, { csrf })).status, 303);
    assert.equal(await activeUserRisk(w.ctx.db, user.tenantId, user.id), 'high');
    assert.ok(blocked(await signInAs(user.upn, user.password)), 'confirmed compromised: blocked');
    const mine = (await audited(user.id)).filter((e) => e.actor_name === admin.upn).map((e) => e.activity);
    // One test clock moment: the two rows' order is not the database's to keep.
    assert.deepEqual(mine.sort(), ['Confirm user compromised', 'Dismiss user risk']);
  });

  it('Issue 15 item 7: require re-registration removes the methods (authenticator apps and passkeys) and recovery codes, ends the sessions, and the next sign-in must register', async () => {
    // A Helpdesk Administrator: security defaults require MFA of the role at every sign-in.
    const target = await makeUser(w, { name: 'rereg', roles: ['Helpdesk Administrator'], totp: true });
    await storePasskey(w, target);
    await w.ctx.recoveryCodes.regenerate(w.ctx.db, target.tenantId, target.id, w.clock.now());
    const before = await signIn(w, await startAuthorization(w, 'contoso'), {
      upn: target.upn,
      password: target.password,
      totpSeed: target.totpSeed!,
    });
    assert.match(before.callback, /[?&]code=/);

    const csrf = csrfOf(await open(ua, target.id));
    const done = await post(ua, `${userPage(target.id)}/require-mfa-registration`, { csrf });
    assert.equal(done.status, 200);
    const page = await done.text();
    // The page escapes the password (its symbols include &); the user types it unescaped.
    const temporary = (testid(page, 'temporary-password') ?? '').replaceAll('&amp;', '&');
    assert.ok(temporary, 'the temporary password is shown once');
    const methods = await methodsOf(w.ctx.db, target.tenantId, target.id);
    assert.deepEqual(
      [methods.totp.length, methods.passkeys.length, methods.recoveryCodesRemaining],
      [0, 0, 0],
    );
    assert.match(
      await open(ua, target.id),
      /data-testid="mfa-methods">0 authenticator apps, 0 recovery codes left</,
    );

    // The old authority session is gone, and so is the old password: whoever learned it cannot
    // register their own authenticator.
    await before.ua.navigate((await startAuthorization(w, 'contoso')).url);
    assert.equal(before.ua.step(), 'credentials', 'the session was ended');
    await before.ua.submit('password', { username: target.upn, password: target.password });
    assert.equal(before.ua.step(), 'credentials', 'the old password no longer signs in');
    // The temporary password is changed first, then a method must be registered.
    await before.ua.submit('password', { username: target.upn, password: temporary });
    assert.equal(before.ua.step(), 'change_password');
    const chosen = 'Orchard-Window-Pebble-58';
    await before.ua.submit('change_password', { newPassword: chosen, confirmPassword: chosen });
    assert.ok(['register_offer', 'register_method'].includes(before.ua.step()), before.ua.step());
    assert.ok(!before.ua.lastPage.includes('value="skip_registration"'), 'registration cannot be skipped');

    const mine = (await audited(target.id)).filter((e) => e.actor_name === admin.upn);
    assert.deepEqual(
      mine.map((e) => e.activity),
      ['Require re-register multifactor authentication'],
    );
    assert.equal(JSON.parse(mine[0]!.details).methodsRemoved, 2);
  });

  it('Issue 15 item 7: re-registration is refused (400) where no policy mandates MFA: nothing would ask the user to register again', async () => {
    // Fabrikam has neither security defaults nor a policy requiring MFA for every user.
    const fabrikamAdmin = await makeUser(w, {
      tenant: 'fabrikam',
      name: 'fabadmin',
      roles: ['Global Administrator'],
      groups: ['AdminAgents'],
      totp: true,
    });
    const plain = await makeUser(w, { tenant: 'fabrikam', name: 'plain', totp: true });
    const agent = (await dashboardSignIn(w, fabrikamAdmin.upn, { mfa: true })).ua;
    // Fabrikam asks no MFA at sign-in: the Security workspace steps the session up, asking only the
    // code inside the authority's session (issue 15 item 4).
    const at = await agent.navigate(`${w.baseUrl}${userPage(plain.id)}`);
    assert.equal(agent.step(), 'second_factor');
    await completeSecondStep(w, agent, { at, upn: fabrikamAdmin.upn, mfa: true });
    assert.equal(agent.lastStatus, 200);
    const refused = await post(agent, `${userPage(plain.id)}/require-mfa-registration`, {
      csrf: csrfOf(agent.lastPage),
    });
    assert.equal(refused.status, 400);
    assert.match(await refused.text(), /data-code="invalid"/);
    assert.equal((await methodsOf(w.ctx.db, plain.tenantId, plain.id)).totp.length, 1, 'the method stays');
  });

  it('refusals: the directory’s (no re-registration of oneself; a User Administrator may not reset a Global Administrator); a forged CSRF token 403; changes nothing', async () => {
    const own = await post(ua, `${userPage(admin.id)}/require-mfa-registration`, {
      csrf: csrfOf(await open(ua, admin.id)),
    });
    assert.equal(own.status, 403);
    assert.match(await own.text(), /data-code="refused"/);
    assert.equal((await methodsOf(w.ctx.db, admin.tenantId, admin.id)).totp.length, 1);

    const userAdmin = await makeUser(w, {
      name: 'useradmin',
      roles: ['User Administrator'],
      groups: ['AdminAgents'],
      totp: true,
    });
    const other = (await dashboardSignIn(w, userAdmin.upn, { mfa: true, returnTo: SECURITY })).ua;
    const higher = await makeUser(w, { name: 'higher', roles: ['Global Administrator'], totp: true });
    const refused = await post(other, `${userPage(higher.id)}/reset-password`, {
      csrf: csrfOf(await open(other, higher.id)),
    });
    assert.equal(refused.status, 403);
    const text = await refused.text();
    assert.match(text, /data-code="refused"/);
    assert.ok(!text.includes('data-testid="temporary-password"'));
    assert.ok(
      !(await signInAs(higher.upn, higher.password)).lastPage.includes('AADSTS50126'),
      'password unchanged',
    );

    const victim = await makeUser(w, { name: 'forged', totp: true });
    await leak(victim);
    const forged = await post(ua, `${userPage(victim.id)}/dismiss-risk`, { csrf: 'forged' });
    assert.equal(forged.status, 403);
    const missing = await post(ua, `${userPage(victim.id)}/reset-password`, { confirm: 'yes' });
    assert.equal(missing.status, 403);
    assert.equal(await activeUserRisk(w.ctx.db, victim.tenantId, victim.id), 'high', 'nothing was dismissed');
  });

  it('SPEC E1: a Sales agent is refused (403); another tenant’s user (or no GUID) is not found (404)', async () => {
    const victim = await makeUser(w, { name: 'target', totp: true });
    const sales = await makeUser(w, { name: 'sales', groups: ['SalesAgents'], totp: true });
    const seller = (await dashboardSignIn(w, sales.upn, { mfa: true })).ua;
    await seller.navigate(`${w.baseUrl}${userPage(victim.id)}`);
    assert.equal(seller.lastStatus, 403);
    const csrf = csrfOf(seller.lastPage); // the sign-out form's token is the session's
    assert.equal((await post(seller, `${userPage(victim.id)}/reset-password`, { csrf })).status, 403);

    const stranger = await makeUser(w, { tenant: 'fabrikam', name: 'stranger', totp: true });
    await leak(stranger);
    const page = csrfOf(await open(ua, victim.id));
    await ua.navigate(`${w.baseUrl}${userPage(stranger.id)}`);
    assert.equal(ua.lastStatus, 404);
    for (const action of [
      'reset-password',
      'dismiss-risk',
      'confirm-compromised',
      'require-mfa-registration',
    ])
      assert.equal(
        (await post(ua, `${userPage(stranger.id)}/${action}`, { csrf: page })).status,
        404,
        action,
      );
    assert.equal(await activeUserRisk(w.ctx.db, stranger.tenantId, stranger.id), 'high', 'untouched');
    assert.equal((await methodsOf(w.ctx.db, stranger.tenantId, stranger.id)).totp.length, 1);
    await ua.navigate(`${w.baseUrl}${userPage('not-a-guid')}`);
    assert.equal(ua.lastStatus, 404);
  });
});
