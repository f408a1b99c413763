import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { insertGroup } from '../src/directory/groups.ts';
import { graphToken } from './support/graph.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { callApi } from './support/tokens.ts';
import { makeUser } from './support/users.ts';

const EVENTUAL = { ConsistencyLevel: 'eventual' };

/** The byte-wise order of (lower-cased name, id) that both databases must give. */
function expectedOrder(rows: { id: string; displayName: string }[], descending = false) {
  const sorted = [...rows].sort((a, b) => {
    const ka = a.displayName.toLowerCase();
    const kb = b.displayName.toLowerCase();
    if (ka !== kb) return ka < kb ? -1 : 1;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
  return (descending ? sorted.reverse() : sorted).map((r) => r.id);
}

describe('Graph advanced queries on directory objects: $count, $orderby, $search (ConsistencyLevel: eventual)', () => {
  let w: TestWarden;
  let admin: string;
  const made: { id: string; displayName: string }[] = [];
  before(async () => {
    w = await startWarden();
    const gina = await makeUser(w, { name: 'gina', roles: ['Global Administrator'], totp: true });
    admin = await graphToken(w, gina.upn);
    // Ties that differ only in case, a word after a hyphen, a word inside another word.
    for (const surname of ['Beta', 'beta', 'Alphabet', 'Gamma-Betaine', 'delta', 'Beta', 'Epsilon'])
      made.push(await madeUser(surname));
  });
  after(() => w.stop());

  async function madeUser(surname: string) {
    const u = await makeUser(w, { name: 'qorder', givenName: 'Qorder', surname });
    return { id: u.id, displayName: `Qorder ${surname}` };
  }

  /** Follows @odata.nextLink to the end, returning every page's ids and the first page's count. */
  async function allPages(path: string, headers: Record<string, string> = EVENTUAL) {
    const ids: string[] = [];
    let url: string | undefined = path;
    let count: number | undefined;
    let pages = 0;
    while (url) {
      const res = await callApi(w, 'GET', url, { token: admin, headers });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      if (pages === 0) count = res.body['@odata.count'];
      ids.push(...(res.body.value as { id: string }[]).map((u) => u.id));
      url = res.body['@odata.nextLink']?.slice(w.baseUrl.length);
      pages += 1;
    }
    return { ids, count, pages };
  }

  it('Graph $orderby: displayName asc and desc, 2 to a page with $skiptoken, ties by id: every row once, in the order both databases give', async () => {
    const search = encodeURIComponent('"displayName:qorder"');
    for (const direction of ['', ' desc']) {
      const { ids, count, pages } = await allPages(
        `/v1.0/users?$search=${search}&$orderby=${encodeURIComponent(`displayName${direction}`)}&$count=true&$top=2`,
      );
      assert.deepEqual(ids, expectedOrder(made, direction !== ''), direction);
      assert.equal(count, made.length);
      assert.equal(pages, Math.ceil(made.length / 2));
    }
  });

  it('Graph $orderby: a row renamed between pages is neither repeated nor lost when it stays ahead of the cursor', async () => {
    const search = encodeURIComponent('"displayName:qorder"');
    const first = await callApi(
      w,
      'GET',
      `/v1.0/users?$search=${search}&$orderby=displayName&$count=true&$top=3`,
      {
        token: admin,
        headers: EVENTUAL,
      },
    );
    const served = (first.body.value as { id: string }[]).map((u) => u.id);
    const ahead = expectedOrder(made).slice(3);
    // Rename the last row still ahead so it sorts last: it is served once, at its new place.
    const moved = ahead[0]!;
    const res = await callApi(w, 'PATCH', `/v1.0/users/${moved}`, {
      token: admin,
      body: { displayName: 'Qorder Zulu' },
    });
    assert.equal(res.status, 204);
    const rest = await allPages(first.body['@odata.nextLink'].slice(w.baseUrl.length));
    const all = [...served, ...rest.ids];
    assert.equal(new Set(all).size, all.length, 'no row twice');
    assert.deepEqual([...all].sort(), made.map((m) => m.id).sort(), 'no row lost');
    assert.equal(all[all.length - 1], moved);
    await callApi(w, 'PATCH', `/v1.0/users/${moved}`, {
      token: admin,
      body: { displayName: made.find((m) => m.id === moved)!.displayName },
    });
  });

  it('Graph $search: a word-prefix match in displayName (after spaces and hyphens, not inside a word), OR across properties, wildcards literal', async () => {
    const search = async (text: string) => {
      const res = await callApi(w, 'GET', `/v1.0/users?$search=${encodeURIComponent(text)}`, {
        token: admin,
        headers: EVENTUAL,
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return (res.body.value as { displayName: string }[]).map((u) => u.displayName).sort();
    };
    assert.deepEqual(await search('"displayName:bet"'), [
      'Qorder Beta',
      'Qorder Beta',
      'Qorder Gamma-Betaine',
      'Qorder beta',
    ]);
    assert.deepEqual(await search('"displayName:EPS" OR "displayName:delt"'), [
      'Qorder Epsilon',
      'Qorder delta',
    ]);
    assert.deepEqual(await search('"displayName:qorder" AND "displayName:alpha"'), ['Qorder Alphabet']);
    assert.deepEqual(await search('"displayName:q%"'), []);
    const upn = await search(`"userPrincipalName:${made[0]!.displayName.split(' ')[0]!.toLowerCase()}"`);
    assert.equal(upn.length, made.length, 'UPN words: the local part');
  });

  it('Graph $count: /users/$count is text/plain, $count=true adds @odata.count; both need ConsistencyLevel: eventual (400 Request_BadRequest)', async () => {
    const res = await fetch(
      `${w.baseUrl}/v1.0/users/$count?$search=${encodeURIComponent('"displayName:qorder"')}`,
      { headers: { authorization: `Bearer ${admin}`, ...EVENTUAL } },
    );
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(await res.text(), String(made.length));
    const all = await callApi(w, 'GET', '/v1.0/users/$count', { token: admin, headers: EVENTUAL });
    const listed = await allPages('/v1.0/users?$top=999', {});
    assert.equal(all.body, listed.ids.length);
    for (const path of ['/v1.0/users/$count', '/v1.0/users?$count=true', '/v1.0/groups?$count=true']) {
      const refused = await callApi(w, 'GET', path, { token: admin });
      assert.equal(refused.status, 400, path);
      assert.equal(refused.body.error.code, 'Request_BadRequest', path);
    }
  });

  it("Graph advanced queries: $search without ConsistencyLevel, $orderby beside $filter or on createdDateTime without $count=true are Graph's Request_UnsupportedQuery", async () => {
    for (const [path, headers] of [
      [`/v1.0/users?$search=${encodeURIComponent('"displayName:q"')}`, {}],
      [`/v1.0/users?$orderby=createdDateTime`, EVENTUAL],
      [`/v1.0/users?$orderby=displayName&$filter=${encodeURIComponent("startswith(displayName,'Q')")}`, {}],
      ['/v1.0/users?$orderby=givenName', {}],
      ['/v1.0/users?$orderby=displayName,id', {}],
      [`/v1.0/users?$search=${encodeURIComponent('displayName:q')}`, EVENTUAL],
      [`/v1.0/users?$search=${encodeURIComponent('"jobTitle:q"')}`, EVENTUAL],
    ] as const) {
      const res = await callApi(w, 'GET', path, { token: admin, headers });
      assert.equal(res.status, 400, path);
      assert.equal(res.body.error.code, 'Request_UnsupportedQuery', path);
    }
    const byDate = await allPages(
      `/v1.0/users?$search=${encodeURIComponent('"displayName:qorder"')}&$orderby=createdDateTime desc&$count=true&$top=4`,
    );
    assert.equal(byDate.ids.length, made.length);
    // A skiptoken of an unordered listing does not continue an ordered one.
    const unordered = await callApi(w, 'GET', '/v1.0/users?$top=1', { token: admin });
    const token = new URL(unordered.body['@odata.nextLink']).searchParams.get('$skiptoken')!;
    const mixed = await callApi(w, 'GET', `/v1.0/users?$orderby=displayName&$skiptoken=${token}`, {
      token: admin,
    });
    assert.equal(mixed.status, 400);
    assert.equal(mixed.body.error.code, 'Request_UnsupportedQuery');
  });

  it("Graph groups: $orderby=displayName and $search on displayName, in the caller's tenant only", async () => {
    // A group of another tenant with a matching name is not found here.
    await insertGroup(w.ctx.db, w.demo.tenants.woodgrove!.id, 'Qgroup Foreign', w.clock.now());
    for (const name of ['Qgroup Beta', 'qgroup alpha', 'Qgroup Gamma'])
      assert.equal(
        (
          await callApi(w, 'POST', '/v1.0/groups', {
            token: admin,
            body: { displayName: name, mailEnabled: false, securityEnabled: true, mailNickname: 'q' },
          })
        ).status,
        201,
      );
    const res = await callApi(
      w,
      'GET',
      `/v1.0/groups?$search=${encodeURIComponent('"displayName:qgroup"')}&$orderby=displayName&$count=true`,
      { token: admin, headers: EVENTUAL },
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(
      (res.body.value as { displayName: string }[]).map((g) => g.displayName),
      ['qgroup alpha', 'Qgroup Beta', 'Qgroup Gamma'],
    );
    assert.equal(res.body['@odata.count'], 3);
  });
});
