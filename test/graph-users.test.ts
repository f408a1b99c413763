import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import { getUser, updateUser } from '../src/directory/users.ts';
import { GRAPH_API } from '../src/tokens/audiences.ts';
import { graphAppToken, graphToken } from './support/graph.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { completeSecondStep, redeem, signIn, startAuthorization } from './support/oidc.ts';
import { appOnlyToken, callApi } from './support/tokens.ts';

const PASSWORD = 'Orchid-Lantern-42';

interface GraphUser {
  id: string;
  userPrincipalName: string;
  displayName: string;
  accountEnabled: boolean;
  userType: string;
}

describe('Graph users (issue 4 item 1)', () => {
  let w: TestWarden;
  let jane: string;
  let sky: string;
  let bill: string;
  let app: string;
  const contoso = () => w.demo.tenants.contoso!.id;
  const count = async (
    table: 'users' | 'auth_methods' | 'recovery_codes' | 'group_members' | 'oidc_payloads',
  ) =>
    Number(
      (
        await w.ctx.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const newUser = (local: string, extra: Record<string, unknown> = {}) => ({
    accountEnabled: true,
    displayName: `Test ${local}`,
    mailNickname: local,
    userPrincipalName: `${local}@contoso.example`,
    passwordProfile: { password: PASSWORD, forceChangePasswordNextSignIn: false },
    ...extra,
  });
  const list = async (query: string, token = jane) => {
    const res = await callApi(w, 'GET', `/v1.0/users${query}`, { token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.value as GraphUser[];
  };
  const filter = (expr: string) => `?$filter=${encodeURIComponent(expr)}`;

  before(async () => {
    w = await startWarden();
    jane = await graphToken(w, 'jane@contoso.example');
    sky = await graphToken(w, 'sky@contoso.example');
    bill = await graphToken(w, 'bill@contoso.example');
    app = await graphAppToken(w);
  });
  after(() => w.stop());

  it('issue 4 item 1: a Global Administrator lists the users of her tenant only, in Graph shape', async () => {
    const res = await callApi(w, 'GET', '/v1.0/users', { token: jane });
    assert.equal(res.body['@odata.context'], `${w.baseUrl}/v1.0/$metadata#users`);
    const users = res.body.value as GraphUser[];
    assert.ok(users.some((u) => u.userPrincipalName === 'jane@contoso.example'));
    assert.ok(users.every((u) => u.userPrincipalName.endsWith('@contoso.example')));
    const janeRow = users.find((u) => u.userPrincipalName === 'jane@contoso.example')!;
    assert.deepEqual(Object.keys(janeRow).sort(), [
      'accountEnabled',
      'createdDateTime',
      'displayName',
      'givenName',
      'id',
      'surname',
      'userPrincipalName',
      'userType',
    ]);
    assert.equal(janeRow.userType, 'Member');
    const one = await callApi(w, 'GET', '/v1.0/users/jane@contoso.example', { token: jane });
    assert.equal(one.body['@odata.context'], `${w.baseUrl}/v1.0/$metadata#users/$entity`);
    assert.equal(one.body.id, janeRow.id, 'a user is found by userPrincipalName too');
  });

  it('permissions per route: Security Admin and app-only User.Read.All read but cannot write; Billing Admin cannot read (403 naming the roles)', async () => {
    const samId = w.demo.users['sam@contoso.example']!.id;
    for (const token of [sky, app]) {
      assert.equal((await callApi(w, 'GET', '/v1.0/users', { token })).status, 200);
      assert.equal((await callApi(w, 'GET', `/v1.0/users/${samId}`, { token })).status, 200);
      const before = await count('users');
      const writes = [
        await callApi(w, 'POST', '/v1.0/users', { token, body: newUser('denied') }),
        await callApi(w, 'PATCH', `/v1.0/users/${samId}`, { token, body: { displayName: 'Nope' } }),
        await callApi(w, 'DELETE', `/v1.0/users/${samId}`, { token }),
      ];
      for (const res of writes) {
        assert.equal(res.status, 403);
        assert.equal(res.body.error.code, 'Authorization_RequestDenied');
      }
      assert.equal(await count('users'), before);
    }
    const billRead = await callApi(w, 'GET', '/v1.0/users', { token: bill });
    assert.equal(billRead.status, 403);
    assert.match(billRead.body.error.message, /Global Administrator, User Administrator/);
    assert.equal((await getUser(w.ctx.db, contoso(), samId))?.displayName, 'Sam Sales');
  });

  it('SPEC §5: John (Fabrikam, token without mfa) gets 401 Authentication_MfaRequired with the RFC 9470 challenge', async () => {
    const john = await graphToken(w, 'john@fabrikam.example');
    const res = await callApi(w, 'GET', '/v1.0/users', { token: john });
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'Authentication_MfaRequired');
    assert.match(
      res.headers.get('www-authenticate') ?? '',
      /error="insufficient_user_authentication".*acr_values=/,
    );
  });

  it("tenant scoping: Contoso's administrator cannot read, change or delete a Fabrikam user by id or UPN (404)", async () => {
    const john = w.demo.users['john@fabrikam.example']!;
    const before = await getUser(w.ctx.db, john.tenant, john.id);
    for (const [method, path, body] of [
      ['GET', `/v1.0/users/${john.id}`, undefined],
      ['GET', '/v1.0/users/john@fabrikam.example', undefined],
      ['PATCH', `/v1.0/users/${john.id}`, { accountEnabled: false }],
      ['DELETE', `/v1.0/users/${john.id}`, undefined],
      [
        'POST',
        `/v1.0/users/${john.id}/authentication/methods/28c10230-6103-485e-b985-444c60001490/resetPassword`,
        {},
      ],
    ] as const) {
      const res = await callApi(w, method, path, { token: jane, ...(body ? { body } : {}) });
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.equal(res.body.error.code, 'Request_ResourceNotFound');
    }
    assert.deepEqual(await getUser(w.ctx.db, john.tenant, john.id), before);
    assert.deepEqual(await list(filter(`id eq '${john.id}'`)), []);
  });

  it('OData: $filter on userPrincipalName, displayName, accountEnabled, userType, id; $select; $top with nextLink to the end returns every user exactly once', async () => {
    for (const local of ['pager1', 'pager2', 'pager3', 'pager4', 'pager5']) {
      const res = await callApi(w, 'POST', '/v1.0/users', { token: jane, body: newUser(local) });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
    assert.deepEqual(
      (await list(filter("startswith(userPrincipalName,'PAGER')"))).map((u) => u.userPrincipalName).sort(),
      ['pager1', 'pager2', 'pager3', 'pager4', 'pager5'].map((l) => `${l}@contoso.example`),
    );
    assert.deepEqual(
      (await list(filter("userPrincipalName eq 'sam@contoso.example'"))).map((u) => u.displayName),
      ['Sam Sales'],
    );
    assert.deepEqual(
      (await list(filter("displayName eq 'jane doe'"))).map((u) => u.userPrincipalName),
      ['jane@contoso.example'],
    );
    assert.equal((await list(filter("startswith(displayName,'Test pager')"))).length, 5);
    assert.equal(
      (await list(filter("startswith(displayName,'Test pager') and accountEnabled eq false"))).length,
      0,
    );
    assert.equal((await list(filter("userType eq 'Guest'"))).length, 0);
    const samId = w.demo.users['sam@contoso.example']!.id;
    assert.deepEqual(
      (await list(filter(`id eq '${samId.toUpperCase()}'`))).map((u) => u.id),
      [samId],
    );
    // Nothing matches a wildcard as such: startswith compares a prefix.
    assert.equal((await list(filter("startswith(userPrincipalName,'%')"))).length, 0);

    const selected = await callApi(w, 'GET', '/v1.0/users?$select=id,displayName', { token: sky });
    assert.equal(selected.body['@odata.context'], `${w.baseUrl}/v1.0/$metadata#users(id,displayName)`);
    assert.deepEqual(Object.keys(selected.body.value[0]).sort(), ['displayName', 'id']);

    const all = await list('?$top=999');
    const seen: string[] = [];
    let url: string | undefined = `${w.baseUrl}/v1.0/users?$top=2`;
    let pages = 0;
    while (url) {
      const res: Response = await fetch(url, { headers: { authorization: `Bearer ${app}` } });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { value: GraphUser[]; '@odata.nextLink'?: string };
      assert.ok(body.value.length <= 2);
      seen.push(...body.value.map((u) => u.id));
      url = body['@odata.nextLink'];
      pages++;
    }
    assert.equal(seen.length, all.length);
    assert.equal(new Set(seen).size, all.length, 'no user twice');
    assert.equal(pages, Math.ceil(all.length / 2));

    for (const bad of [
      "nickname eq 'x'",
      "accountEnabled eq 'yes'",
      "userType eq 'Robot'",
      "displayName ge 'a'",
    ]) {
      const res = await callApi(w, 'GET', `/v1.0/users${filter(bad)}`, { token: jane });
      assert.equal(res.status, 400, bad);
      assert.equal(res.body.error.code, 'Request_UnsupportedQuery');
    }
  });

  it('bad input writes nothing: unknown property, foreign domain, missing password, weak password (the rule in the message), duplicate UPN', async () => {
    const before = await count('users');
    const unknown = await callApi(w, 'POST', '/v1.0/users', {
      token: jane,
      body: newUser('extra', { jobTitle: 'x' }),
    });
    assert.equal(unknown.status, 400);
    assert.deepEqual(
      [unknown.body.error.code, unknown.body.error.message],
      ['Request_BadRequest', "Invalid property 'jobTitle'."],
    );
    const nested = await callApi(w, 'POST', '/v1.0/users', {
      token: jane,
      body: newUser('nested', { passwordProfile: { password: PASSWORD, expires: true } }),
    });
    assert.equal(nested.body.error.message, "Invalid property 'expires'.");
    const foreign = await callApi(w, 'POST', '/v1.0/users', {
      token: jane,
      body: newUser('x', { userPrincipalName: 'mallory@fabrikam.example' }),
    });
    assert.equal(foreign.status, 400);
    assert.match(foreign.body.error.message, /domain/);
    const noPassword = await callApi(w, 'POST', '/v1.0/users', {
      token: jane,
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
        token: jane,
        body: newUser('weakling', { passwordProfile: { password } }),
      });
      assert.equal(weak.status, 400, password);
      assert.equal(weak.body.error.code, 'PasswordDoesNotComplyWithPolicy');
      assert.match(weak.body.error.message, rule);
    }
    const dup = await callApi(w, 'POST', '/v1.0/users', {
      token: jane,
      body: newUser('x', { userPrincipalName: 'SAM@contoso.example' }),
    });
    assert.equal(dup.status, 400);
    assert.equal(dup.body.error.code, 'Request_MultipleObjectsWithSameKeyValue');
    const samId = w.demo.users['sam@contoso.example']!.id;
    const rename = await callApi(w, 'PATCH', `/v1.0/users/${samId}`, {
      token: jane,
      body: { userPrincipalName: 'hal@contoso.example', displayName: 'Should not stick' },
    });
    assert.equal(rename.body.error.code, 'Request_MultipleObjectsWithSameKeyValue');
    assert.equal(await count('users'), before);
    assert.equal(
      (await getUser(w.ctx.db, contoso(), samId))?.displayName,
      'Sam Sales',
      'nothing half-written',
    );
  });

  it('duplicate UPN under concurrency: of five simultaneous creations one gets 201, the others Request_MultipleObjectsWithSameKeyValue', async () => {
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        callApi(w, 'POST', '/v1.0/users', { token: jane, body: newUser('racer') }),
      ),
    );
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 400, 400, 400, 400]);
    for (const r of results.filter((r) => r.status === 400))
      assert.equal(r.body.error.code, 'Request_MultipleObjectsWithSameKeyValue');
    assert.equal((await list(filter("userPrincipalName eq 'racer@contoso.example'"))).length, 1);
  });

  it('issue 4 item 1: PATCH updates names (204); disabling stops sign-in (50057) and the refresh token at once; enabling restores sign-in', async () => {
    const created = await callApi(w, 'POST', '/v1.0/users', { token: jane, body: newUser('dora') });
    const dora = created.body.id as string;
    const start = await startAuthorization(w, 'contoso');
    const { ua } = await signIn(w, start, { upn: 'dora@contoso.example', password: PASSWORD });
    const tokens = await redeem(start, await ua.submit('skip_registration'));

    const patched = await callApi(w, 'PATCH', `/v1.0/users/${dora}`, {
      token: jane,
      body: { displayName: 'Dora Explorer', givenName: 'Dora', surname: null },
    });
    assert.equal(patched.status, 204);
    const read = await callApi(w, 'GET', `/v1.0/users/${dora}`, { token: jane });
    assert.deepEqual(
      [read.body.displayName, read.body.givenName, read.body.surname],
      ['Dora Explorer', 'Dora', null],
    );

    const disabled = await callApi(w, 'PATCH', `/v1.0/users/${dora}`, {
      token: jane,
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

    await callApi(w, 'PATCH', `/v1.0/users/${dora}`, { token: jane, body: { accountEnabled: true } });
    const again = await signIn(w, await startAuthorization(w, 'contoso'), {
      upn: 'dora@contoso.example',
      password: PASSWORD,
    });
    assert.equal(again.ua.step(), 'register_offer');
  });

  it('issue 4 item 1: DELETE removes the user with methods, recovery codes, memberships, grants and refresh tokens (204, one transaction)', async () => {
    const created = await callApi(w, 'POST', '/v1.0/users', { token: jane, body: newUser('gone') });
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
      await callApi(w, 'GET', `/v1.0/groups${filter("displayName eq 'SalesAgents'")}`, { token: jane })
    ).body.value[0].id;
    const member = await callApi(w, 'POST', `/v1.0/groups/${sales}/members/$ref`, {
      token: jane,
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
          .execute()
      ).length;
    assert.ok(
      (await rows('auth_methods')) > 0 &&
        (await rows('recovery_codes')) > 0 &&
        (await rows('group_members')) > 0,
    );
    assert.ok((await payloads()) > 0);

    const deleted = await callApi(w, 'DELETE', `/v1.0/users/${gone}`, { token: jane });
    assert.equal(deleted.status, 204);
    assert.equal((await callApi(w, 'GET', `/v1.0/users/${gone}`, { token: jane })).status, 404);
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
    assert.equal((await callApi(w, 'DELETE', `/v1.0/users/${gone}`, { token: jane })).status, 404);
  });
  describe('authority over privileged users (review findings 3 and 5)', () => {
    const RESET = 'authentication/methods/28c10230-6103-485e-b985-444c60001490/resetPassword';
    const id = (upn: string) => w.demo.users[upn]!.id;
    let writer: string;
    before(async () => {
      // Sky becomes a User Administrator; the gate re-reads roles on every request.
      await updateUser(w.ctx.db, contoso(), id('sky@contoso.example'), {
        directoryRoles: ['User Administrator'],
      });
      const registered = await callApi(w, 'POST', '/v1.0/applications', {
        token: jane,
        body: {
          displayName: 'user writer',
          requiredResourceAccess: [
            { resourceAppId: GRAPH_API, resourceAccess: [{ id: 'User.ReadWrite.All', type: 'Role' }] },
          ],
        },
      });
      assert.equal(registered.status, 201, JSON.stringify(registered.body));
      const appId = registered.body.appId as string;
      const secret = await callApi(w, 'POST', `/v1.0/applications/${appId}/addPassword`, {
        token: jane,
        body: { passwordCredential: {} },
      });
      writer = await appOnlyToken(w, appId, secret.body.secretText, 'contoso', `${GRAPH_API}/.default`);
    });
    after(async () => {
      await updateUser(w.ctx.db, contoso(), id('sky@contoso.example'), {
        directoryRoles: ['Security Administrator'],
      });
    });
    const refused = (res: { status: number; body: { error?: { code: string } } }, why: string) => {
      assert.equal(res.status, 403, `${why}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error?.code, 'Authorization_RequestDenied', why);
    };

    it('SPEC §1 (review finding 3): only a Global Administrator resets, disables, changes or deletes a partner agent (SalesAgents member Sam); an application never', async () => {
      const sam = id('sam@contoso.example');
      const before = await getUser(w.ctx.db, contoso(), sam);
      refused(
        await callApi(w, 'POST', `/v1.0/users/${sam}/${RESET}`, { token: sky, body: {} }),
        'User Admin resets',
      );
      for (const token of [sky, writer]) {
        const who = token === sky ? 'User Admin' : 'app-only User.ReadWrite.All';
        for (const body of [{ accountEnabled: false }, { displayName: 'Taken over' }]) {
          const res = await callApi(w, 'PATCH', `/v1.0/users/${sam}`, { token, body });
          refused(res, `${who} PATCH ${JSON.stringify(body)}`);
          assert.match(res.body.error.message, /SalesAgents/);
        }
        refused(await callApi(w, 'DELETE', `/v1.0/users/${sam}`, { token }), `${who} deletes`);
      }
      const after = await getUser(w.ctx.db, contoso(), sam);
      assert.deepEqual(after, before, 'nothing was written');
      // Agents hold no directory role, so without the agent check these would all have passed; an
      // ordinary user is still theirs to manage, and the Global Administrator still manages agents.
      const plain = (
        await callApi(w, 'POST', '/v1.0/users', { token: jane, body: newUser('plainagentcheck') })
      ).body.id as string;
      assert.equal(
        (await callApi(w, 'POST', `/v1.0/users/${plain}/${RESET}`, { token: sky, body: {} })).status,
        200,
      );
      for (const token of [sky, writer])
        assert.equal(
          (await callApi(w, 'PATCH', `/v1.0/users/${plain}`, { token, body: { displayName: 'Plain' } }))
            .status,
          204,
        );
      assert.equal((await callApi(w, 'DELETE', `/v1.0/users/${plain}`, { token: writer })).status, 204);
      const byGlobal = await callApi(w, 'PATCH', `/v1.0/users/${sam}`, {
        token: jane,
        body: { displayName: 'Sam S.' },
      });
      assert.equal(byGlobal.status, 204);
      await callApi(w, 'PATCH', `/v1.0/users/${sam}`, {
        token: jane,
        body: { displayName: before!.displayName },
      });
    });

    it('review finding 5: a User Administrator or an application cannot re-enable, rename or re-address a disabled Global Administrator', async () => {
      const billId = id('bill@contoso.example');
      await updateUser(w.ctx.db, contoso(), billId, {
        directoryRoles: ['Global Administrator'],
        accountEnabled: false,
      });
      try {
        const before = await getUser(w.ctx.db, contoso(), billId);
        for (const token of [sky, writer])
          for (const body of [
            { accountEnabled: true },
            { accountEnabled: true, displayName: 'Renamed by user admin' },
            { userPrincipalName: 'renamed@contoso.example' },
            { givenName: 'Mallory' },
          ]) {
            const res = await callApi(w, 'PATCH', `/v1.0/users/${billId}`, { token, body });
            refused(res, `PATCH ${JSON.stringify(body)}`);
            assert.match(res.body.error.message, /Global Administrator/);
          }
        assert.deepEqual(await getUser(w.ctx.db, contoso(), billId), before, 'nothing was written');
        // The Global Administrator may.
        const enabled = await callApi(w, 'PATCH', `/v1.0/users/${billId}`, {
          token: jane,
          body: { accountEnabled: true },
        });
        assert.equal(enabled.status, 204);
      } finally {
        await updateUser(w.ctx.db, contoso(), billId, {
          directoryRoles: ['Billing Administrator'],
          accountEnabled: true,
        });
      }
    });
  });
});
