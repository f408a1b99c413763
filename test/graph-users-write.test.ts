import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import { getUser } from '../src/directory/users.ts';
import { graphToken } from './support/graph.ts';
import {
  filterQuery as filter,
  listGraphUsers,
  graphUserBody as newUser,
  GRAPH_USER_PASSWORD as PASSWORD,
  rowCount,
} from './support/graph-users.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { completeSecondStep, redeem, signIn, startAuthorization } from './support/oidc.ts';
import { callApi } from './support/tokens.ts';
import { makeUser } from './support/users.ts';

describe('Graph API: writing users (create, update, disable, delete)', () => {
  let w: TestWarden;
  let admin: string;
  const contoso = () => w.demo.tenants.contoso!.id;
  const count = (table: Parameters<typeof rowCount>[1]) => rowCount(w, table);
  const list = (query: string) => listGraphUsers(w, query, admin);

  before(async () => {
    w = await startWarden();
    const globalAdmin = await makeUser(w, { name: 'gina', roles: ['Global Administrator'], totp: true });
    admin = await graphToken(w, globalAdmin.upn);
  });
  after(() => w.stop());

  it('Graph API: bad input writes nothing: unknown property, foreign domain, missing password, weak password (the rule in the message), duplicate UPN', async () => {
    const existing = await makeUser(w, { name: 'taken' });
    const target = await makeUser(w, { name: 'target', givenName: 'Tara', surname: 'Target' });
    const before = await count('users');
    const unknown = await callApi(w, 'POST', '/v1.0/users', {
      token: admin,
      body: newUser('extra', { department: 'x' }),
    });
    assert.equal(unknown.status, 400);
    assert.deepEqual(
      [unknown.body.error.code, unknown.body.error.message],
      ['Request_BadRequest', "Invalid property 'department'."],
    );
    const nested = await callApi(w, 'POST', '/v1.0/users', {
      token: admin,
      body: newUser('nested', { passwordProfile: { password: PASSWORD, expires: true } }),
    });
    assert.equal(nested.body.error.message, "Invalid property 'expires'.");
    const foreign = await callApi(w, 'POST', '/v1.0/users', {
      token: admin,
      body: newUser('x', { userPrincipalName: 'mallory@fabrikam.example' }),
    });
    assert.equal(foreign.status, 400);
    assert.match(foreign.body.error.message, /domain/);
    const noPassword = await callApi(w, 'POST', '/v1.0/users', {
      token: admin,
      body: newUser('nopass', { passwordProfile: { forceChangePasswordNextSignIn: true } }),
    });
    assert.equal(noPassword.status, 400);
    for (const [password, rule] of [
      ['Ab1!', /at least 8/],
      ['lowercaseonly', /three of these kinds/],
      ['Weakling-Test-1', /name/],
      ['Welcome123!', /commonly used or breached/],
    ] as const) {
      const weak = await callApi(w, 'POST', '/v1.0/users', {
        token: admin,
        body: newUser('weakling', { passwordProfile: { password } }),
      });
      assert.equal(weak.status, 400, password);
      assert.equal(weak.body.error.code, 'PasswordDoesNotComplyWithPolicy');
      assert.match(weak.body.error.message, rule);
    }
    // The same UPN in other letter case is the same UPN.
    const shouted = existing.upn.replace(/^[^@]+/, (local) => local.toUpperCase());
    const dup = await callApi(w, 'POST', '/v1.0/users', {
      token: admin,
      body: newUser('x', { userPrincipalName: shouted }),
    });
    assert.equal(dup.status, 400);
    assert.equal(dup.body.error.code, 'Request_MultipleObjectsWithSameKeyValue');
    const rename = await callApi(w, 'PATCH', `/v1.0/users/${target.id}`, {
      token: admin,
      body: { userPrincipalName: existing.upn, displayName: 'Should not stick' },
    });
    assert.equal(rename.body.error.code, 'Request_MultipleObjectsWithSameKeyValue');
    assert.equal(await count('users'), before);
    assert.equal(
      (await getUser(w.ctx.db, contoso(), target.id))?.displayName,
      'Tara Target',
      'nothing half-written',
    );
  });

  it('Graph API: duplicate UPN under concurrency: of five simultaneous creations one gets 201, the others Request_MultipleObjectsWithSameKeyValue', async () => {
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        callApi(w, 'POST', '/v1.0/users', { token: admin, body: newUser('racer') }),
      ),
    );
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 400, 400, 400, 400]);
    for (const r of results.filter((r) => r.status === 400))
      assert.equal(r.body.error.code, 'Request_MultipleObjectsWithSameKeyValue');
    assert.equal((await list(filter("userPrincipalName eq 'racer@contoso.example'"))).length, 1);
  });

  it('SPEC §9: PATCH updates names (204); disabling stops sign-in (50057) and the refresh token at once; enabling restores sign-in', async () => {
    const created = await callApi(w, 'POST', '/v1.0/users', { token: admin, body: newUser('dora') });
    const dora = created.body.id as string;
    const start = await startAuthorization(w, 'contoso');
    const { ua } = await signIn(w, start, { upn: 'dora@contoso.example', password: PASSWORD });
    const tokens = await redeem(start, await ua.submit('skip_registration'));

    const patched = await callApi(w, 'PATCH', `/v1.0/users/${dora}`, {
      token: admin,
      body: { displayName: 'Dora Explorer', givenName: 'Dora', surname: null },
    });
    assert.equal(patched.status, 204);
    const read = await callApi(w, 'GET', `/v1.0/users/${dora}`, { token: admin });
    assert.deepEqual(
      [read.body.displayName, read.body.givenName, read.body.surname],
      ['Dora Explorer', 'Dora', null],
    );

    const disabled = await callApi(w, 'PATCH', `/v1.0/users/${dora}`, {
      token: admin,
      body: { accountEnabled: false },
    });
    assert.equal(disabled.status, 204);
    const blocked = await signIn(w, await startAuthorization(w, 'contoso'), {
      upn: 'dora@contoso.example',
      password: PASSWORD,
    });
    assert.equal(blocked.ua.lastStatus, 403);
    assert.match(blocked.ua.lastPage, /AADSTS50057/);
    await assert.rejects(
      client.refreshTokenGrant(start.config, tokens.refresh_token!),
      (e: { error?: string }) => e.error === 'invalid_grant',
    );

    await callApi(w, 'PATCH', `/v1.0/users/${dora}`, { token: admin, body: { accountEnabled: true } });
    const again = await signIn(w, await startAuthorization(w, 'contoso'), {
      upn: 'dora@contoso.example',
      password: PASSWORD,
    });
    assert.equal(again.ua.step(), 'register_offer');
  });

  it('SPEC §9: DELETE removes the user with methods, recovery codes, memberships, grants and refresh tokens (204, one transaction)', async () => {
    const created = await callApi(w, 'POST', '/v1.0/users', { token: admin, body: newUser('gone') });
    const gone = created.body.id as string;
    // A signed-in user with an authenticator, recovery codes, a group membership and a refresh token.
    const start = await startAuthorization(w, 'contoso');
    const { ua } = await signIn(w, start, { upn: 'gone@contoso.example', password: PASSWORD });
    await ua.submit('begin_registration');
    const { at } = await completeSecondStep(w, ua, {
      at: ua.lastUrl,
      upn: 'gone@contoso.example',
      mfa: true,
    });
    const tokens = await redeem(start, at);
    const sales = (
      await callApi(w, 'GET', `/v1.0/groups${filter("displayName eq 'SalesAgents'")}`, { token: admin })
    ).body.value[0].id;
    const member = await callApi(w, 'POST', `/v1.0/groups/${sales}/members/$ref`, {
      token: admin,
      body: { '@odata.id': `${w.baseUrl}/v1.0/directoryObjects/${gone}` },
    });
    assert.equal(member.status, 204);
    const rows = async (table: 'auth_methods' | 'recovery_codes' | 'group_members') =>
      (await w.ctx.db.selectFrom(table).select('user_id').where('user_id', '=', gone).execute()).length;
    const payloads = async () =>
      (
        await w.ctx.db
          .selectFrom('oidc_payloads')
          .select('id')
          .where('payload', 'like', `%"accountId":"${gone}"%`)
          // A revoked refresh token is kept, unusable, to answer AADSTS50173 (migration 0013).
          .where('revoked_at', 'is', null)
          .execute()
      ).length;
    assert.ok(
      (await rows('auth_methods')) > 0 &&
        (await rows('recovery_codes')) > 0 &&
        (await rows('group_members')) > 0,
    );
    assert.ok((await payloads()) > 0);

    const deleted = await callApi(w, 'DELETE', `/v1.0/users/${gone}`, { token: admin });
    assert.equal(deleted.status, 204);
    assert.equal((await callApi(w, 'GET', `/v1.0/users/${gone}`, { token: admin })).status, 404);
    assert.deepEqual(
      [
        await rows('auth_methods'),
        await rows('recovery_codes'),
        await rows('group_members'),
        await payloads(),
      ],
      [0, 0, 0, 0],
    );
    await assert.rejects(
      client.refreshTokenGrant(start.config, tokens.refresh_token!),
      (e: { error?: string }) => e.error === 'invalid_grant',
    );
    assert.equal((await callApi(w, 'DELETE', `/v1.0/users/${gone}`, { token: admin })).status, 404);
  });
});
