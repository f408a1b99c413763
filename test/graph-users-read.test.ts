import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { graphAppToken, graphToken } from './support/graph.ts';
import { filterQuery as filter, type GraphUser, listGraphUsers } from './support/graph-users.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { callApi } from './support/tokens.ts';
import { makeUser } from './support/users.ts';

describe('Graph API: reading users (list, get, OData query options)', () => {
  let w: TestWarden;
  let admin: { upn: string; token: string };
  let reader: string;
  let app: string;
  const list = (query: string, token = admin.token) => listGraphUsers(w, query, token);

  before(async () => {
    w = await startWarden();
    const globalAdmin = await makeUser(w, { name: 'gina', roles: ['Global Administrator'], totp: true });
    admin = { upn: globalAdmin.upn, token: await graphToken(w, globalAdmin.upn) };
    const security = await makeUser(w, { name: 'sid', roles: ['Security Administrator'], totp: true });
    reader = await graphToken(w, security.upn);
    app = await graphAppToken(w);
  });
  after(() => w.stop());

  it('Graph API: a Global Administrator lists the users of her tenant only, in Graph shape, and gets one by id or userPrincipalName', async () => {
    const res = await callApi(w, 'GET', '/v1.0/users', { token: admin.token });
    assert.equal(res.body['@odata.context'], `${w.baseUrl}/v1.0/$metadata#users`);
    const users = res.body.value as GraphUser[];
    assert.ok(users.some((u) => u.userPrincipalName === admin.upn));
    assert.ok(users.every((u) => u.userPrincipalName.endsWith('@contoso.example')));
    const adminRow = users.find((u) => u.userPrincipalName === admin.upn)!;
    assert.deepEqual(Object.keys(adminRow).sort(), [
      'accountEnabled',
      'businessPhones',
      'createdDateTime',
      'displayName',
      'givenName',
      'id',
      'jobTitle',
      'mail',
      'mobilePhone',
      'officeLocation',
      'preferredLanguage',
      'surname',
      'userPrincipalName',
      'userType',
    ]);
    assert.equal(adminRow.userType, 'Member');
    const one = await callApi(w, 'GET', `/v1.0/users/${admin.upn}`, { token: admin.token });
    assert.equal(one.body['@odata.context'], `${w.baseUrl}/v1.0/$metadata#users/$entity`);
    assert.equal(one.body.id, adminRow.id, 'a user is found by userPrincipalName too');
  });

  it('Graph API: $filter on userPrincipalName, displayName, accountEnabled, userType, id; $select; $top with nextLink to the end returns every user exactly once', async () => {
    const pagers = [];
    for (let i = 0; i < 5; i++)
      pagers.push(await makeUser(w, { name: 'pager', givenName: 'Test', surname: 'pager' }));
    assert.deepEqual(
      (await list(filter("startswith(userPrincipalName,'PAGER')"))).map((u) => u.userPrincipalName).sort(),
      pagers.map((u) => u.upn).sort(),
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

    const selected = await callApi(w, 'GET', '/v1.0/users?$select=id,displayName', { token: reader });
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
      const res = await callApi(w, 'GET', `/v1.0/users${filter(bad)}`, { token: admin.token });
      assert.equal(res.status, 400, bad);
      assert.equal(res.body.error.code, 'Request_UnsupportedQuery');
    }
  });
});
