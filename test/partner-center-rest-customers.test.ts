import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createCustomer } from '../src/partner-center/customers.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { type ApiResponse, callApi, sign, userClaims, userToken } from './support/tokens.ts';

const filterOf = (field: string, value: string, operator = 'starts_with') =>
  encodeURIComponent(JSON.stringify({ Field: field, Value: value, Operator: operator }));

/** Follows `links.next` as a Partner Center script does: its URI, with its headers. */
async function follow(w: TestWarden, token: string, res: ApiResponse): Promise<ApiResponse> {
  const next = res.body.links.next;
  const headers = Object.fromEntries(
    (next.headers as { key: string; value: string }[]).map((h) => [h.key, h.value]),
  );
  return callApi(w, next.method, next.uri, { token, headers });
}

async function allPages(w: TestWarden, token: string, first: string, between?: () => Promise<void>) {
  let res = await callApi(w, 'GET', first, { token });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const pages: string[][] = [res.body.items.map((c: { id: string }) => c.id)];
  while (res.body.links.next) {
    if (pages.length === 1) await between?.();
    res = await follow(w, token, res);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.totalCount, res.body.items.length, "totalCount counts the page's items");
    pages.push(res.body.items.map((c: { id: string }) => c.id));
  }
  return pages;
}

describe('Partner Center REST: Get a list of customers (filter, size, seekOperation)', () => {
  let w: TestWarden;
  let jane: string;
  let john: string;
  let contoso: string;
  const made: Record<string, string> = {};
  const add = async (name: string) => {
    const domain = `${name.toLowerCase().replace(/\W+/g, '-')}.example`;
    const customer = await createCustomer(
      w.ctx.db,
      contoso,
      {
        companyName: name,
        domain,
        country: 'US',
        profile: {
          email: `billing@${domain}`,
          phone: '',
          addressLine1: '1 Road',
          city: 'Town',
          postalCode: '',
          culture: 'en-US',
          language: 'en',
        },
      },
      w.clock.now(),
    );
    made[name] = customer.id;
    return customer.id;
  };
  before(async () => {
    w = await startWarden();
    jane = await userToken(w, 'jane@contoso.example');
    // Fabrikam's Admin agent, with MFA (a token as Warden issues it).
    john = await sign(w, userClaims(w, 'john@fabrikam.example'));
    contoso = w.demo.users['jane@contoso.example']!.tenant;
    for (const n of [1, 2, 3, 4, 5]) await add(`Paging ${n}`);
  });
  after(() => w.stop());

  it('Get a list of customers filtered by a search field: Domain and CompanyName, starts_with, the value case ignored, URL-encoded JSON', async () => {
    const byDomain = await callApi(w, 'GET', `/v1/customers?size=10&filter=${filterOf('Domain', 'WOO')}`, {
      token: jane,
    });
    assert.equal(byDomain.status, 200);
    assert.deepEqual(
      byDomain.body.items.map((c: { companyProfile: { domain: string } }) => c.companyProfile.domain),
      ['woodgrove.example'],
    );
    assert.equal(byDomain.body.items[0].id, w.demo.customers['woodgrove.example']);
    assert.equal(byDomain.body.items[0].companyProfile.attributes.objectType, 'CustomerCompanyProfile');
    assert.equal(byDomain.body.attributes.objectType, 'Collection');
    const byName = await callApi(w, 'GET', `/v1/customers?filter=${filterOf('CompanyName', 'north')}`, {
      token: jane,
    });
    assert.deepEqual(
      byName.body.items.map((c: { id: string }) => c.id),
      [w.demo.customers['northwind.example']],
    );
    // Field names and the operator in any case, as the SDKs write them.
    const lower = encodeURIComponent(
      JSON.stringify({ field: 'domain', value: 'adatum', operator: 'STARTS_WITH' }),
    );
    const mixed = await callApi(w, 'GET', `/v1/customers?filter=${lower}`, { token: jane });
    assert.deepEqual(
      mixed.body.items.map((c: { id: string }) => c.id),
      [w.demo.customers['adatum.example']],
    );
    // LIKE's wildcards are the value's own characters, not patterns.
    const wildcard = await callApi(w, 'GET', `/v1/customers?filter=${filterOf('CompanyName', '%')}`, {
      token: jane,
    });
    assert.deepEqual(wildcard.body.items, []);
    // Warden sells directly: no customer came through an indirect reseller.
    const indirect = await callApi(w, 'GET', `/v1/customers?filter=${filterOf('IndirectReseller', 'a')}`, {
      token: jane,
    });
    assert.equal(indirect.status, 200);
    assert.deepEqual(indirect.body.items, []);
  });

  it('Get a list of customers filtered by a search field: a filter that is not JSON, of another field or operator, is 400 with Partner Center code 800002', async () => {
    for (const filter of [
      'nope',
      filterOf('Country', 'US'),
      filterOf('Domain', 'woo', 'contains'),
      encodeURIComponent('["Domain"]'),
      encodeURIComponent(JSON.stringify({ Field: 'Domain', Value: 7, Operator: 'starts_with' })),
    ]) {
      const res = await callApi(w, 'GET', `/v1/customers?filter=${filter}`, { token: jane });
      assert.equal(res.status, 400, filter);
      assert.equal(res.body.code, 800002, filter);
      assert.equal(res.body.wardenCode, 'invalid_request', filter);
      assert.equal(res.body.source, 'PartnerFD');
    }
  });

  it('Get a list of customers: size pages with links.next (seekOperation=Next, MS-ContinuationToken); every customer once, in order, tenant-scoped', async () => {
    const everyone = await callApi(w, 'GET', '/v1/customers', { token: jane });
    const all = everyone.body.items.map((c: { id: string }) => c.id);
    assert.equal(everyone.body.links.next, undefined, 'one page when all fit');
    const pages = await allPages(w, jane, '/v1/customers?size=2');
    assert.deepEqual(
      pages.map((p) => p.length),
      [2, 2, 2, 2],
    );
    assert.deepEqual(pages.flat(), all, 'the pages together are the list, no customer twice or missing');
    const first = await callApi(w, 'GET', '/v1/customers?size=2', { token: jane });
    const next = first.body.links.next;
    assert.equal(next.uri, '/v1/customers?seekOperation=Next');
    assert.equal(next.method, 'GET');
    assert.equal(next.headers[0].key, 'MS-ContinuationToken');
    // A filter is carried by the token: the next page keeps it.
    const filtered = await allPages(
      w,
      jane,
      `/v1/customers?size=2&filter=${filterOf('CompanyName', 'paging')}`,
    );
    assert.deepEqual(
      filtered.flat(),
      ['Paging 1', 'Paging 2', 'Paging 3', 'Paging 4', 'Paging 5'].map((n) => made[n]),
    );
    // Fabrikam never sees Contoso's customers, on any page.
    const fabrikam = await allPages(w, john, '/v1/customers?size=1');
    assert.deepEqual(
      fabrikam.flat().sort(),
      [w.demo.customers['proseware.example'], w.demo.customers['tailspin.example']].sort(),
    );
  });

  it('Get a list of customers: a customer added between two pages is neither repeated nor makes another skipped (seek, not offset)', async () => {
    const before = (await callApi(w, 'GET', '/v1/customers', { token: jane })).body.items.map(
      (c: { id: string }) => c.id,
    );
    const pages = await allPages(w, jane, '/v1/customers?size=2', async () => {
      await add('AAA Early'); // sorts before the page already served
      await add('Zeta Late'); // sorts after it
    });
    const seen = pages.flat();
    assert.equal(new Set(seen).size, seen.length, 'no customer twice');
    assert.deepEqual(
      seen,
      [...before, made['Zeta Late']],
      'every customer that was there, and the one added ahead',
    );
  });

  it("Get a list of customers: a continuation token is opaque and bound to its partner — altered, another partner's or missing, it is 400", async () => {
    const first = await callApi(w, 'GET', '/v1/customers?size=2', { token: jane });
    const token = first.body.links.next.headers[0].value as string;
    assert.ok(
      !token.includes(contoso) && !token.includes('Northwind'),
      'the token shows nothing of the data',
    );
    const cases: [string, string, Record<string, string>][] = [
      ["Fabrikam presents Contoso's token", john, { 'MS-ContinuationToken': token }],
      ['an altered token', jane, { 'MS-ContinuationToken': `${token.slice(0, -4)}AAAA` }],
      ['no token', jane, {}],
    ];
    for (const [name, caller, headers] of cases) {
      const res = await callApi(w, 'GET', '/v1/customers?seekOperation=Next', { token: caller, headers });
      assert.equal(res.status, 400, name);
      assert.equal(res.body.code, 800002, name);
    }
    const bad = await callApi(w, 'GET', '/v1/customers?seekOperation=Previous', {
      token: jane,
      headers: { 'MS-ContinuationToken': token },
    });
    assert.equal(bad.status, 400);
  });

  it('Partner Center ignores unknown query parameters: so does every GET of the Partner API (bodies are still validated)', async () => {
    for (const path of [
      '/v1/customers?size=2&$top=1&foo=bar',
      '/v1/offers?country=US&promo=1',
      '/v1/invoices?unknown=1',
      '/v1/servicerequests?x=y',
      `/v1/customers/${w.demo.customers['adatum.example']}/subscriptions?expand=all`,
    ]) {
      const res = await callApi(w, 'GET', path, { token: jane });
      assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body)}`);
    }
    const body = await callApi(w, 'POST', '/v1/servicerequests', {
      token: jane,
      body: { title: 't', description: 'd', severity: 'minimal', supportTopicName: 'x', promo: 1 },
    });
    assert.equal(body.status, 400);
    assert.equal(body.body.wardenCode, 'invalid_request');
  });

  it('Customer resource: links.self, companyProfile and billingProfile attributes, customDomains; allowDelegatedAccess only by id', async () => {
    const id = w.demo.customers['northwind.example']!;
    const list = await callApi(w, 'GET', `/v1/customers?filter=${filterOf('Domain', 'northwind')}`, {
      token: jane,
    });
    const item = list.body.items[0];
    assert.equal(item.links.self.uri, `/v1/customers/${id}`);
    assert.equal(item.billingProfile.attributes.objectType, 'CustomerBillingProfile');
    assert.deepEqual(item.customDomains, ['northwind.example']);
    assert.equal('allowDelegatedAccess' in item, false);
    const one = await callApi(w, 'GET', `/v1/customers/${id}`, { token: jane });
    assert.equal(one.body.allowDelegatedAccess, true);
  });
});
