import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startWarden, type TestWarden } from './support/harness.ts';
import { callApi, sign, userClaims, userToken } from './support/tokens.ts';

describe('Partner Center REST: invoices (by id, invoiceDetails, line items, size/offset) and offers by id', () => {
  let w: TestWarden;
  let jane: string;
  let john: string;
  before(async () => {
    w = await startWarden();
    jane = await userToken(w, 'jane@contoso.example');
    john = await sign(w, userClaims(w, 'john@fabrikam.example'));
  });
  after(() => w.stop());

  it('Get a collection of invoices: size and offset page them with links.next; the pages together are the list', async () => {
    const all = await callApi(w, 'GET', '/v1/invoices', { token: jane });
    assert.equal(all.status, 200);
    const ids = all.body.items.map((i: { id: string }) => i.id);
    assert.equal(ids.length, 3, 'the demo has three monthly invoices');
    const dates = all.body.items.map((i: { invoiceDate: string }) => i.invoiceDate);
    assert.deepEqual(dates, [...dates].sort().reverse(), 'newest first');
    const seen: string[] = [];
    let res = await callApi(w, 'GET', '/v1/invoices?size=2', { token: jane });
    seen.push(...res.body.items.map((i: { id: string }) => i.id));
    assert.equal(res.body.links.next.uri, '/v1/invoices?size=2&offset=2');
    res = await callApi(w, res.body.links.next.method, res.body.links.next.uri, { token: jane });
    seen.push(...res.body.items.map((i: { id: string }) => i.id));
    assert.equal(res.body.links.next, undefined);
    assert.deepEqual(seen, ids);
  });

  it("Get invoice by ID: the Invoice with invoiceDetails whose links lead to its line items; another partner's invoice is 404", async () => {
    const list = await callApi(w, 'GET', '/v1/invoices', { token: jane });
    const latest = list.body.items[0];
    const res = await callApi(w, 'GET', `/v1/invoices/${latest.id}`, { token: jane });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, latest);
    assert.equal(res.body.currencySymbol, '$');
    assert.equal(res.body.documentType, 'invoice');
    assert.equal(res.body.links.self.uri, `/v1/invoices/${latest.id}`);
    const [detail] = res.body.invoiceDetails;
    assert.deepEqual(
      [detail.invoiceLineItemType, detail.billingProvider, detail.attributes.objectType],
      ['billing_line_items', 'office', 'InvoiceDetail'],
    );
    const lines = await callApi(w, detail.links.self.method, detail.links.self.uri, { token: jane });
    assert.equal(lines.status, 200);
    const short = await callApi(w, 'GET', `/v1/invoices/${latest.id}/lineitems`, { token: jane });
    assert.deepEqual(lines.body.items, short.body.items, 'both forms of the line items agree');
    const total = lines.body.items.reduce((sum: number, l: { amount: number }) => sum + l.amount, 0);
    assert.equal(Math.round(total * 100), Math.round(res.body.totalCharges * 100));
    const azure = await callApi(w, 'GET', `/v1/invoices/${latest.id}/lineitems/Azure/UsageLineItems`, {
      token: jane,
    });
    assert.deepEqual(azure.body.items, [], 'no usage lines: Warden bills licences only');
    const foreign = await callApi(w, 'GET', `/v1/invoices/${latest.id}`, { token: john });
    assert.equal(foreign.status, 404);
    assert.equal(foreign.body.code, 1000);
    const foreignLines = await callApi(w, 'GET', detail.links.self.uri, { token: john });
    assert.equal(foreignLines.status, 404);
  });

  it('Get invoice line items: size and offset page them (both forms of the path), links.next gives the next offset', async () => {
    const list = await callApi(w, 'GET', '/v1/invoices', { token: jane });
    const id = list.body.items[0].id;
    const whole = (await callApi(w, 'GET', `/v1/invoices/${id}/lineitems`, { token: jane })).body.items;
    assert.ok(whole.length >= 3, 'the demo invoice has a line per subscription');
    for (const base of [
      `/v1/invoices/${id}/lineitems`,
      `/v1/invoices/${id}/lineitems/Office/BillingLineItems`,
    ]) {
      const seen: number[] = [];
      let res = await callApi(w, 'GET', `${base}?size=2`, { token: jane });
      for (;;) {
        assert.equal(res.status, 200, base);
        seen.push(...res.body.items.map((l: { lineItemNumber: number }) => l.lineItemNumber));
        if (!res.body.links.next) break;
        assert.match(res.body.links.next.uri, /\?size=2&offset=\d+$/);
        res = await callApi(w, 'GET', res.body.links.next.uri, { token: jane });
      }
      assert.deepEqual(
        seen,
        whole.map((l: { lineItemNumber: number }) => l.lineItemNumber),
        base,
      );
    }
  });

  it('Invoice line items: the LicenseBasedLineItem fields of the reference (partner, domain, order, subscription dates, subtotal, tax)', async () => {
    const list = await callApi(w, 'GET', '/v1/invoices', { token: jane });
    const res = await callApi(w, 'GET', `/v1/invoices/${list.body.items[0].id}/lineitems`, { token: jane });
    const northwind = w.demo.customers['northwind.example'];
    const line = res.body.items.find((l: { customerId: string }) => l.customerId === northwind);
    assert.ok(line);
    assert.equal(line.partnerId, w.demo.users['jane@contoso.example']!.tenant);
    assert.equal(line.domainName, 'northwind.example');
    assert.equal(typeof line.orderId, 'string');
    assert.equal(line.billingProvider, 'office');
    assert.equal(line.invoiceLineItemType, 'billing_line_items');
    assert.equal(line.subtotal, line.amount);
    assert.equal(line.tax, 0);
    assert.equal(line.totalForCustomer, line.amount);
    assert.ok(Date.parse(line.subscriptionStartDate) < Date.parse(line.subscriptionEndDate));
    assert.equal(line.attributes.objectType, 'LicenseBasedLineItem');
  });

  it("Get an offer by ID: the Offer of the country with the reference's fields; unknown is 404, no country 400", async () => {
    const res = await callApi(w, 'GET', '/v1/offers/WRD-MAIL-1?country=gb', { token: jane });
    assert.equal(res.status, 200);
    const o = res.body;
    assert.equal(o.id, 'WRD-MAIL-1');
    assert.equal(o.country, 'GB');
    assert.equal(o.uri, '/v1/offers/WRD-MAIL-1?country=GB');
    assert.equal(o.billing, 'license');
    assert.deepEqual(o.supportedBillingCycles, ['monthly']);
    assert.equal(o.isAvailableForPurchase, true);
    assert.equal(o.isAddOn, false);
    assert.equal(o.price.currencyCode, 'GBP');
    assert.equal(o.attributes.objectType, 'Offer');
    const list = await callApi(w, 'GET', '/v1/offers?country=GB', { token: jane });
    assert.deepEqual(
      list.body.items.find((i: { id: string }) => i.id === 'WRD-MAIL-1'),
      o,
    );
    const missing = await callApi(w, 'GET', '/v1/offers/NOPE?country=US', { token: jane });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, 1000);
    const noCountry = await callApi(w, 'GET', '/v1/offers/WRD-MAIL-1', { token: jane });
    assert.equal(noCountry.status, 400);
    assert.equal(noCountry.body.code, 800002);
  });
});
