import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import { credentialChangeRefusal } from '../src/directory/refusals.ts';
import { getUser } from '../src/directory/users.ts';
import { graphAppToken, graphToken } from './support/graph.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { redeem, signIn, startAuthorization } from './support/oidc.ts';
import { callApi } from './support/tokens.ts';
import { UserAgent } from './support/user-agent.ts';
import { makeUser } from './support/users.ts';

const RESET = '/authentication/methods/28c10230-6103-485e-b985-444c60001490/resetPassword';

describe('SPEC §9 admin unblock: temporary passwords and the change-password step', () => {
  let w: TestWarden;
  let jane: string;
  let helen: string;
  const contoso = () => w.demo.tenants.contoso!.id;
  const sam = () => w.demo.users['sam@contoso.example']!.id;

  before(async () => {
    w = await startWarden();
    jane = await graphToken(w, 'jane@contoso.example');
    // A Helpdesk Administrator who signs in with MFA.
    const helpdesk = await makeUser(w, { name: 'helen', roles: ['Helpdesk Administrator'], totp: true });
    helen = await graphToken(w, helpdesk.upn);
  });
  after(() => w.stop());

  it('SPEC §9: a reset gives a generated temporary password once, ends the old refresh token, and the next sign-in must replace it', async () => {
    const sam = await makeUser(w, {
      name: 'sam',
      givenName: 'Sam',
      surname: 'Sales',
      groups: ['SalesAgents'],
    });
    // Sam signs in (skipping registration, as security defaults allow) and holds a refresh token.
    const first = await startAuthorization(w, 'contoso');
    const { ua } = await signIn(w, first, { upn: sam.upn });
    const signedIn = await redeem(first, await ua.submit('skip_registration'));
    const tokens = await client.refreshTokenGrant(first.config, signedIn.refresh_token!);
    assert.ok(tokens.refresh_token, 'the refresh token works before the reset');

    const reset = await callApi(w, 'POST', `/v1.0/users/${sam.id}${RESET}`, { token: jane, body: {} });
    assert.equal(reset.status, 200, JSON.stringify(reset.body));
    const temporary: string = reset.body.newPassword;
    assert.match(temporary, /^.{16}$/);
    assert.equal((await getUser(w.ctx.db, contoso(), sam.id))?.passwordChangeRequired, true);
    await assert.rejects(
      client.refreshTokenGrant(first.config, tokens.refresh_token),
      (e: { error?: string }) => e.error === 'invalid_grant',
      'the refresh token issued before the reset no longer works',
    );

    const old = await startAuthorization(w, 'contoso');
    const refused = await signIn(w, old, { upn: sam.upn });
    assert.equal(refused.ua.step(), 'credentials', 'the old password no longer signs in');

    const start = await startAuthorization(w, 'contoso');
    const browser = new UserAgent();
    await signIn(w, start, { upn: sam.upn, password: temporary }, browser);
    assert.equal(browser.step(), 'change_password');

    await browser.submit('change_password', {
      newPassword: 'Saffron-Harbor-77',
      confirmPassword: 'Saffron-Harbor-78',
    });
    assert.equal(browser.lastStatus, 400);
    assert.match(browser.lastPage, /do not match/);
    await browser.submit('change_password', { newPassword: 'Password1!', confirmPassword: 'Password1!' });
    assert.equal(browser.lastStatus, 400, 'a common password is refused');
    await browser.submit('change_password', {
      newPassword: 'sam-Sales-2026',
      confirmPassword: 'sam-Sales-2026',
    });
    assert.equal(browser.lastStatus, 400, 'a password containing the name is refused');
    await browser.submit('change_password', { newPassword: temporary, confirmPassword: temporary });
    assert.equal(browser.lastStatus, 400);
    assert.match(browser.lastPage, /different from the temporary one/);
    assert.equal(browser.step(), 'change_password');

    await browser.submit('change_password', {
      newPassword: 'Saffron-Harbor-77',
      confirmPassword: 'Saffron-Harbor-77',
    });
    // Then exactly as after a password: security defaults offer registration to Sam.
    assert.equal(browser.step(), 'register_offer');
    const after = await redeem(start, await browser.submit('skip_registration'));
    assert.deepEqual(decodeJwt(after.access_token).amr, ['pwd']);
    const user = await getUser(w.ctx.db, contoso(), sam.id);
    assert.equal(user?.passwordChangeRequired, false);

    const again = await startAuthorization(w, 'contoso');
    const next = await signIn(w, again, { upn: sam.upn, password: 'Saffron-Harbor-77' });
    assert.equal(next.ua.step(), 'register_offer', 'the new password signs in without the change step');
  });

  it('SPEC §9: the change-password step sets a password only while the temporary password proven in this sign-in is still current (a second reset wins)', async () => {
    const sam = await makeUser(w, {
      name: 'sam',
      givenName: 'Sam',
      surname: 'Sales',
      groups: ['SalesAgents'],
    });
    const first = await callApi(w, 'POST', `/v1.0/users/${sam.id}${RESET}`, { token: jane, body: {} });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const start = await startAuthorization(w, 'contoso');
    const holder = new UserAgent();
    await signIn(w, start, { upn: sam.upn, password: first.body.newPassword }, holder);
    assert.equal(holder.step(), 'change_password');

    // The admin resets again while the holder of the first temporary password is at this step.
    const second = await callApi(w, 'POST', `/v1.0/users/${sam.id}${RESET}`, { token: jane, body: {} });
    assert.equal(second.status, 200, JSON.stringify(second.body));
    const before = await getUser(w.ctx.db, contoso(), sam.id);
    await holder.submit('change_password', {
      newPassword: 'Cobalt-Lantern-58',
      confirmPassword: 'Cobalt-Lantern-58',
    });
    assert.equal(holder.step(), 'credentials', 'the flow goes back to the password step');
    assert.match(holder.lastPage, /changed or reset meanwhile/);
    assert.deepEqual(await getUser(w.ctx.db, contoso(), sam.id), before, 'nothing written');

    // The chosen password does not sign in; the second temporary password still leads to the change step.
    const chosen = await signIn(w, await startAuthorization(w, 'contoso'), {
      upn: sam.upn,
      password: 'Cobalt-Lantern-58',
    });
    assert.equal(chosen.ua.step(), 'credentials');
    const current = await signIn(w, await startAuthorization(w, 'contoso'), {
      upn: sam.upn,
      password: second.body.newPassword,
    });
    assert.equal(current.ua.step(), 'change_password');
  });

  it('SPEC §9: a reset with a chosen password is policy-checked (PasswordDoesNotComplyWithPolicy names the rule) and writes nothing when weak', async () => {
    const sam = await makeUser(w, {
      name: 'sam',
      givenName: 'Sam',
      surname: 'Sales',
      groups: ['SalesAgents'],
    });
    const before = await getUser(w.ctx.db, contoso(), sam.id);
    const weak = await callApi(w, 'POST', `/v1.0/users/${sam.id}${RESET}`, {
      token: jane,
      body: { newPassword: 'short1A' },
    });
    assert.equal(weak.status, 400);
    assert.equal(weak.body.error.code, 'PasswordDoesNotComplyWithPolicy');
    assert.match(weak.body.error.message, /at least 8 characters/);
    const classes = await callApi(w, 'POST', `/v1.0/users/${sam.id}${RESET}`, {
      token: jane,
      body: { newPassword: 'alllowercaseletters' },
    });
    assert.match(classes.body.error.message, /three of these kinds/);
    const after = await getUser(w.ctx.db, contoso(), sam.id);
    assert.deepEqual(after, before);

    const chosen = await callApi(w, 'POST', `/v1.0/users/${sam.id}${RESET}`, {
      token: jane,
      body: { newPassword: 'Quartz-Meadow-19' },
    });
    assert.equal(chosen.status, 200);
    assert.equal(chosen.body.newPassword, null, 'a chosen password is not echoed');
    const start = await startAuthorization(w, 'contoso');
    const { ua } = await signIn(w, start, { upn: sam.upn, password: 'Quartz-Meadow-19' });
    assert.equal(ua.step(), 'change_password');
  });

  it('Entra rules: a Helpdesk Administrator resets a user with no role, but not an administrator (403 Authorization_RequestDenied)', async () => {
    // A user with no role and in no partner agent group (Sam, a SalesAgents member, is privileged).
    const pat = await callApi(w, 'POST', '/v1.0/users', {
      token: jane,
      body: {
        accountEnabled: true,
        displayName: 'Pat Plain',
        userPrincipalName: 'pat@contoso.example',
        passwordProfile: { password: w.demo.password, forceChangePasswordNextSignIn: false },
      },
    });
    assert.equal(pat.status, 201, JSON.stringify(pat.body));
    // No body at all, as a script may send it: Warden generates the temporary password.
    const ok = await callApi(w, 'POST', `/v1.0/users/${pat.body.id}${RESET}`, { token: helen });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(typeof ok.body.newPassword, 'string');
    const bill = w.demo.users['bill@contoso.example']!.id;
    const before = await getUser(w.ctx.db, contoso(), bill);
    for (const target of [bill, w.demo.users['jane@contoso.example']!.id]) {
      const refused = await callApi(w, 'POST', `/v1.0/users/${target}${RESET}`, { token: helen, body: {} });
      assert.equal(refused.status, 403);
      assert.equal(refused.body.error.code, 'Authorization_RequestDenied');
    }
    assert.deepEqual(await getUser(w.ctx.db, contoso(), bill), before, 'nothing written');
    // PATCH with passwordProfile goes through the same decision (and needs users.write first).
    const patch = await callApi(w, 'PATCH', `/v1.0/users/${bill}`, {
      token: helen,
      body: { passwordProfile: { password: 'Quartz-Meadow-19' } },
    });
    assert.equal(patch.status, 403);
  });

  it('Entra rules: the one decision — apps never set passwords; User Administrators not for Global Administrators; nobody resets their own', async () => {
    const users = w.demo.users;
    const load = async (upn: string) => (await getUser(w.ctx.db, contoso(), users[upn]!.id))!;
    const janeUser = await load('jane@contoso.example');
    const samUser = await load('sam@contoso.example');
    const billUser = await load('bill@contoso.example');
    assert.match(String(credentialChangeRefusal(undefined, samUser, 'password')), /application/);
    const userAdmin = { ...samUser, id: 'someone-else', directoryRoles: ['User Administrator' as const] };
    assert.match(String(credentialChangeRefusal(userAdmin, janeUser, 'password')), /Global Administrator/);
    assert.match(String(credentialChangeRefusal(userAdmin, billUser, 'password')), /Billing Administrator/);
    assert.equal(credentialChangeRefusal(userAdmin, samUser, 'password'), undefined);
    assert.match(String(credentialChangeRefusal(janeUser, janeUser, 'password')), /own password/);
    assert.equal(credentialChangeRefusal(janeUser, billUser, 'password'), undefined);
  });

  it('SPEC §9: resetting is App+User only — an app-only token is refused by the gate', async () => {
    const app = await graphAppToken(w);
    const refused = await callApi(w, 'POST', `/v1.0/users/${sam()}${RESET}`, { token: app, body: {} });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'Authorization_RequestDenied');
  });
});
