import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { skuIdOf, updateUserLicenses } from '../src/partner-center/licenses.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { appOnlyToken, callApi, sign, userClaims, userToken } from './support/tokens.ts';

describe('Partner Center REST: subscriptions by id, and PATCH of quantity, autoRenewEnabled and status with etags', () => {
  let w: TestWarden;
  let jane: string;
  let hal: string;
  let john: string;
  let adatum: string;
  let subscriptionId: string;
  const path = () => `/v1/customers/${adatum}/subscriptions/${subscriptionId}`;
  const read = async () => (await callApi(w, 'GET', path(), { token: jane })).body;
  const patch = (body: unknown, headers: Record<string, string> = {}, token = jane) =>
    callApi(w, 'PATCH', path(), { token, body, headers });
  before(async () => {
    w = await startWarden();
    jane = await userToken(w, 'jane@contoso.example');
    hal = await userToken(w, 'hal@contoso.example');
    john = await sign(w, userClaims(w, 'john@fabrikam.example'));
    adatum = w.demo.customers['adatum.example']!;
    const list = await callApi(w, 'GET', `/v1/customers/${adatum}/subscriptions`, { token: jane });
    subscriptionId = list.body.items[0].id; // WRD-BUS-BASIC, 10 seats
  });
  after(() => w.stop());

  it('Get a subscription by ID: the Subscription resource with attributes.etag and objectType, autoRenewEnabled, links', async () => {
    const res = await callApi(w, 'GET', path(), { token: jane });
    assert.equal(res.status, 200);
    const s = res.body;
    assert.equal(s.id, subscriptionId);
    assert.equal(s.offerId, 'WRD-BUS-BASIC');
    assert.equal(s.offerName, 'Warden Business Basic');
    assert.equal(s.quantity, 10);
    assert.equal(s.status, 'active');
    assert.equal(s.autoRenewEnabled, true);
    assert.equal(s.billingType, 'license');
    assert.equal(s.termDuration, 'P1M');
    assert.equal(s.attributes.objectType, 'Subscription');
    assert.equal(typeof s.attributes.etag, 'string');
    assert.equal(s.links.self.uri, path());
    assert.equal(s.links.offer.uri, '/v1/offers/WRD-BUS-BASIC?country=US');
    const list = await callApi(w, 'GET', `/v1/customers/${adatum}/subscriptions`, { token: jane });
    assert.deepEqual(list.body.items[0], s, 'the list shows the same resource');
    // The demo has a subscription that does not renew (Northwind's last one).
    const northwind = w.demo.customers['northwind.example']!;
    const theirs = await callApi(w, 'GET', `/v1/customers/${northwind}/subscriptions`, { token: jane });
    assert.deepEqual(
      theirs.body.items.map((i: { autoRenewEnabled: boolean }) => i.autoRenewEnabled),
      [true, false],
    );
  });

  it("Get a subscription by ID: absent, of another customer, or of another partner, it is 404 (20003 or the customer's 1000), never a 403", async () => {
    const woodgrove = w.demo.customers['woodgrove.example']!;
    const cases: [string, string, number][] = [
      ['no such subscription', `/v1/customers/${adatum}/subscriptions/${randomUUID()}`, 20003],
      [
        "another customer's subscription",
        `/v1/customers/${woodgrove}/subscriptions/${subscriptionId}`,
        20003,
      ],
    ];
    for (const [name, p, code] of cases) {
      const res = await callApi(w, 'GET', p, { token: jane });
      assert.equal(res.status, 404, name);
      assert.equal(res.body.code, code, name);
      assert.equal(res.body.source, 'PartnerFD', name);
    }
    // Fabrikam asks for Contoso's customer and subscription: as unknown as a random id.
    const foreign = await callApi(w, 'GET', path(), { token: john });
    assert.equal(foreign.status, 404);
    assert.equal(foreign.body.code, 1000);
    const foreignPatch = await patch({ quantity: 11 }, { 'If-Match': (await read()).attributes.etag }, john);
    assert.equal(foreignPatch.status, 404);
    assert.equal((await read()).quantity, 10, 'nothing changed');
  });

  it('Change the quantity of a subscription: the full resource back with the new quantity and If-Match; a new etag; the old one is stale (2055)', async () => {
    const current = await read();
    const changed = await patch({ ...current, quantity: 12 }, { 'If-Match': current.attributes.etag });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.equal(changed.body.quantity, 12);
    assert.notEqual(changed.body.attributes.etag, current.attributes.etag);
    assert.deepEqual(await read(), changed.body);
    const stale = await patch({ ...current, quantity: 14 }, { 'If-Match': current.attributes.etag });
    assert.equal(stale.status, 400);
    assert.equal(stale.body.code, 2055);
    assert.equal(stale.body.wardenCode, 'etag_stale');
    assert.equal((await read()).quantity, 12);
    // Partner Center's examples: PascalCase names, the etag in Attributes.Etag (no If-Match).
    const fresh = await read();
    const pascal = await patch({
      Id: fresh.id,
      Quantity: 11,
      Status: 'active',
      Attributes: { Etag: fresh.attributes.etag, ObjectType: 'Subscription' },
    });
    assert.equal(pascal.status, 200, JSON.stringify(pascal.body));
    assert.equal(pascal.body.quantity, 11);
  });

  it('Change the quantity of a subscription: no etag, a foreign etag, a quantity out of range, a read-only field changed or an unknown property are refused and change nothing', async () => {
    const current = await read();
    const other = Buffer.from(JSON.stringify({ id: randomUUID(), version: current.version ?? 1 })).toString(
      'base64',
    );
    const cases: [string, unknown, Record<string, string>, number, number][] = [
      ['no etag', { quantity: 5 }, {}, 400, 800002],
      ["another subscription's etag", { quantity: 5 }, { 'If-Match': other }, 400, 2055],
      ['garbage etag', { quantity: 5 }, { 'If-Match': 'x' }, 400, 2055],
      ['above the maximum', { quantity: 301 }, { 'If-Match': current.attributes.etag }, 400, 2002],
      ['zero', { quantity: 0 }, { 'If-Match': current.attributes.etag }, 400, 800002],
      ['another offer', { offerId: 'WRD-SEC-E5' }, { 'If-Match': current.attributes.etag }, 400, 800002],
      ['another id', { id: randomUUID() }, { 'If-Match': current.attributes.etag }, 400, 800002],
      ['cancelled', { status: 'deleted' }, { 'If-Match': current.attributes.etag }, 400, 800002],
      ['unknown property', { discount: 50 }, { 'If-Match': current.attributes.etag }, 400, 800002],
    ];
    for (const [name, body, headers, status, code] of cases) {
      const res = await patch(body, headers);
      assert.equal(res.status, status, `${name}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.code, code, name);
    }
    assert.deepEqual(await read(), current);
  });

  it('Suspend and reactivate a subscription; turn auto-renewal off; a suspended subscription changes nothing but its status (800091)', async () => {
    let s = await read();
    const off = await patch({ autoRenewEnabled: false }, { 'If-Match': s.attributes.etag });
    assert.equal(off.status, 200);
    assert.equal(off.body.autoRenewEnabled, false);
    const suspended = await patch({ status: 'suspended' }, { 'If-Match': off.body.attributes.etag });
    assert.equal(suspended.status, 200);
    assert.equal(suspended.body.status, 'suspended');
    s = suspended.body;
    const more = await patch({ quantity: 20 }, { 'If-Match': s.attributes.etag });
    assert.equal(more.status, 400);
    assert.equal(more.body.code, 800091);
    const back = await patch(
      { status: 'active', quantity: 10, autoRenewEnabled: true },
      { 'If-Match': s.attributes.etag },
    );
    assert.equal(back.status, 200, JSON.stringify(back.body));
    assert.deepEqual(
      [back.body.status, back.body.quantity, back.body.autoRenewEnabled],
      ['active', 10, true],
    );
  });

  it('Subscription etags: of concurrent PATCHes made from one read, the database lets exactly one win; the others are 2055', async () => {
    const s = await read();
    const results = await Promise.all(
      [13, 14, 15, 16, 17].map((quantity) => patch({ quantity }, { 'If-Match': s.attributes.etag })),
    );
    const won = results.filter((r) => r.status === 200);
    assert.equal(won.length, 1, JSON.stringify(results.map((r) => [r.status, r.body.code])));
    assert.ok(results.filter((r) => r.status !== 200).every((r) => r.status === 400 && r.body.code === 2055));
    assert.equal((await read()).quantity, won[0]!.body.quantity);
  });

  it('Licences are seats: lowering the quantity, or suspending, below the licences assigned is refused (409); to them, it is allowed', async () => {
    const tenant = w.demo.users['admin@adatum.example']!.tenant;
    const sku = skuIdOf('WRD-BUS-BASIC');
    for (const upn of ['admin@adatum.example', 'kim@adatum.example'])
      await updateUserLicenses(
        w.ctx.db,
        w.ctx.dbKind,
        tenant,
        w.demo.users[upn]!.id,
        { assign: [sku], remove: [] },
        'test',
        w.clock.now(),
      );
    let s = await read();
    const below = await patch({ quantity: 1 }, { 'If-Match': s.attributes.etag });
    assert.equal(below.status, 409);
    assert.equal(below.body.wardenCode, 'license_seats_in_use');
    assert.deepEqual(below.body.data, [{ skuId: sku, totalUnits: 1, consumedUnits: 2 }]);
    const suspend = await patch({ status: 'suspended' }, { 'If-Match': s.attributes.etag });
    assert.equal(suspend.status, 409);
    const exact = await patch({ quantity: 2 }, { 'If-Match': s.attributes.etag });
    assert.equal(exact.status, 200);
    s = exact.body;
    assert.equal(s.quantity, 2);
  });

  it('Change a subscription is a transaction: Admin and Sales agents may; a Helpdesk agent may not (900150); an app needs Partner.ReadWrite.All (2032)', async () => {
    const s = await read();
    const helpdesk = await patch({ quantity: 3 }, { 'If-Match': s.attributes.etag }, hal);
    assert.equal(helpdesk.status, 403);
    assert.equal(helpdesk.body.code, 900150);
    assert.equal(helpdesk.body.wardenCode, 'role_required');
    const app = await patch({ quantity: 3 }, { 'If-Match': s.attributes.etag }, await appOnlyToken(w));
    assert.equal(app.status, 403);
    assert.equal(app.body.code, 2032);
    assert.equal(app.body.wardenCode, 'app_role_required');
    const readByHelpdesk = await callApi(w, 'GET', path(), { token: hal });
    assert.equal(readByHelpdesk.status, 200, 'reading is customer management, which Helpdesk agents have');
    assert.deepEqual(await read(), s);
  });
});
