import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { API_CATEGORIES, type RouteDeclaration } from '../src/partner-api/declarations.ts';
import { installGate } from '../src/partner-api/gate.ts';
import { registerPartnerApi } from '../src/partner-api/index.ts';
import type { Db } from '../src/storage/database.ts';
import { AccessTokenVerifier } from '../src/tokens/access-tokens.ts';
import { PARTNER_API } from '../src/tokens/audiences.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { routesOf } from './support/routes.ts';
import { callApi, userToken } from './support/tokens.ts';

async function countRows(
  db: Db,
  tables: ('tenants' | 'customers' | 'orders' | 'subscriptions' | 'service_requests')[],
) {
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  return counts;
}

describe('STYLE 2: Partner API routes, one gate, every route declared', () => {
  let w: TestWarden;
  let jane: string;
  before(async () => {
    w = await startWarden();
    jane = await userToken(w, 'jane@contoso.example');
  });
  after(() => w.stop());

  it('STYLE 2: every route under /v1 has a valid config.partnerApi declaration and passes the gate', async () => {
    const served = routesOf(w.app).filter((r) => r.split(' ')[1]!.startsWith('/v1/'));
    assert.ok(served.length >= 11, served.join('\n'));

    // The same plugin on a fresh instance, seen through onRoute: each route with its declaration.
    const declared = new Map<string, RouteDeclaration | undefined>();
    const fresh = Fastify();
    fresh.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) {
        if (method !== 'HEAD') declared.set(`${method} ${route.url}`, route.config?.partnerApi);
      }
    });
    await registerPartnerApi(fresh, w.ctx);
    await fresh.ready();
    await fresh.close();
    assert.deepEqual(
      [...declared.keys()].sort(),
      [...served].sort(),
      'no /v1 route lives outside the Partner API plugin',
    );

    const operations = new Set<string>();
    for (const [route, d] of declared) {
      assert.ok(d, `${route} declares nothing`);
      assert.ok(Object.hasOwn(API_CATEGORIES, d.category), `${route}: category ${d.category}`);
      assert.ok(d.modes.length > 0 && d.modes.every((m) => m === 'app+user' || m === 'app-only'), route);
      assert.ok(d.access === 'read' || d.access === 'write', route);
      // RFC 9110 §9.2.1: the unsafe methods (POST, and PATCH for DAP removal) are the writes.
      assert.equal(d.access === 'write', !route.startsWith('GET'), `${route}: writes are the unsafe methods`);
      assert.ok(!operations.has(d.operation), `${route}: operation ${d.operation} named twice`);
      operations.add(d.operation);
    }

    // Each served route answers a request without a token from the gate (a route outside it would not).
    for (const route of served) {
      const [method, path] = route.split(' ') as [string, string];
      const res = await callApi(w, method, path.replaceAll(':id', crypto.randomUUID()));
      assert.equal(res.status, 401, route);
      assert.equal(res.body.wardenCode, 'missing_token', route);
    }
  });

  it('STYLE 2: an undeclared route, or one with an invalid declaration, cannot be registered inside the Partner API', async () => {
    const verifier = new AccessTokenVerifier({
      db: w.ctx.db,
      keys: w.ctx.publicKeys,
      baseUrl: w.ctx.config.baseUrl,
      audience: PARTNER_API,
      accessTokenType: 'JWT',
      clock: w.ctx.clock,
    });
    const bad: [string, Record<string, unknown> | undefined][] = [
      ['no declaration', undefined],
      ['unknown category', { operation: 'x.list', category: 'gossip', modes: ['app+user'], access: 'read' }],
      ['no modes', { operation: 'x.list', category: 'billing', modes: [], access: 'read' }],
      ['unknown mode', { operation: 'x.list', category: 'billing', modes: ['anyone'], access: 'read' }],
      ['unknown access', { operation: 'x.list', category: 'billing', modes: ['app+user'], access: 'all' }],
      ['no operation', { category: 'billing', modes: ['app+user'], access: 'read' }],
    ];
    for (const [name, partnerApi] of bad) {
      const app = Fastify();
      await assert.rejects(
        async () => {
          await app.register(
            async (api) => {
              installGate(api, w.ctx, verifier);
              const config = partnerApi ? { partnerApi: partnerApi as never } : {};
              api.get('/undeclared', { config }, async () => ({}));
            },
            { prefix: '/v1' },
          );
          await app.ready();
        },
        /Partner API route GET \/v1\/undeclared/,
        name,
      );
      await app.close();
    }
  });

  it('STYLE 4: an unknown path under /v1 is 404 not_found, with a correlation id', async () => {
    const res = await callApi(w, 'GET', '/v1/nothing-here', { token: jane });
    assert.equal(res.status, 404);
    assert.equal(res.body.wardenCode, 'not_found');
    assert.ok(res.headers.get('ms-correlationid'));
  });

  it('STYLE 4: bad input: POST /v1/customers with an unknown property, a bad domain or a taken domain writes nothing', async () => {
    const valid = () => ({
      companyProfile: { domain: 'fresh-customer.example' },
      billingProfile: {
        email: 'it@fresh-customer.example',
        companyName: 'Fresh',
        defaultAddress: { country: 'US', city: 'Seattle', addressLine1: '1 Main St' },
      },
    });
    const before = await countRows(w.ctx.db, ['tenants', 'customers']);
    const cases: [string, unknown, number, string][] = [
      ['unknown top-level property', { ...valid(), discount: 100 }, 400, 'invalid_request'],
      [
        'unknown nested property',
        { ...valid(), billingProfile: { ...valid().billingProfile, vip: true } },
        400,
        'invalid_request',
      ],
      ['bad domain', { ...valid(), companyProfile: { domain: 'not a domain' } }, 400, 'invalid_request'],
      [
        'domain without a dot',
        { ...valid(), companyProfile: { domain: 'localhost' } },
        400,
        'invalid_request',
      ],
      [
        'bad country',
        {
          ...valid(),
          billingProfile: {
            ...valid().billingProfile,
            defaultAddress: { country: 'usa', city: 'x', addressLine1: 'y' },
          },
        },
        400,
        'invalid_request',
      ],
      [
        'missing billing profile',
        { companyProfile: { domain: 'fresh-customer.example' } },
        400,
        'invalid_request',
      ],
      [
        'domain already taken (a customer)',
        { ...valid(), companyProfile: { domain: 'northwind.example' } },
        409,
        'conflict',
      ],
      [
        'domain already taken (a partner)',
        { ...valid(), companyProfile: { domain: 'fabrikam.example' } },
        409,
        'conflict',
      ],
    ];
    for (const [name, body, status, code] of cases) {
      const res = await callApi(w, 'POST', '/v1/customers', { token: jane, body });
      assert.equal(res.status, status, name);
      assert.equal(res.body.wardenCode, code, name);
    }
    const malformed = await fetch(`${w.baseUrl}/v1/customers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${jane}`, 'content-type': 'application/json' },
      body: '{"companyProfile":',
    });
    assert.equal(malformed.status, 400, 'malformed JSON');
    assert.equal(((await malformed.json()) as { wardenCode: string }).wardenCode, 'invalid_request');
    assert.deepEqual(await countRows(w.ctx.db, ['tenants', 'customers']), before);

    assert.equal((await callApi(w, 'POST', '/v1/customers', { token: jane, body: valid() })).status, 201);
    const again = await callApi(w, 'POST', '/v1/customers', { token: jane, body: valid() });
    assert.equal(again.status, 409);
    assert.equal(again.body.wardenCode, 'conflict');
  });

  it('Operations: two concurrent creations of one customer domain: one 201, the other 409 conflict, never a server error', async () => {
    const body = {
      companyProfile: { domain: 'race.example' },
      billingProfile: {
        email: 'it@race.example',
        companyName: 'Race',
        defaultAddress: { country: 'US', city: 'Seattle', addressLine1: '1 Main St' },
      },
    };
    const results = await Promise.all(
      [1, 2, 3].map(() => callApi(w, 'POST', '/v1/customers', { token: jane, body })),
    );
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 409, 409]);
    assert.ok(results.filter((r) => r.status === 409).every((r) => r.body.wardenCode === 'conflict'));
  });

  it('STYLE 4: bad input: an order whose line 2 of 2 is invalid is refused with 400 naming the line, and no order or subscription is written', async () => {
    const northwind = w.demo.customers['northwind.example']!;
    const path = `/v1/customers/${northwind}/orders`;
    const good = { lineItemNumber: 0, offerId: 'WRD-MAIL-1', quantity: 5 };
    const before = await countRows(w.ctx.db, ['orders', 'subscriptions']);
    const cases: [string, unknown, unknown[] | undefined][] = [
      [
        'unknown offer on line 2',
        { lineItems: [good, { lineItemNumber: 1, offerId: 'NO-SUCH-OFFER', quantity: 1 }] },
        [{ lineItemNumber: 1 }],
      ],
      [
        'quantity above the offer maximum on line 2',
        { lineItems: [good, { lineItemNumber: 1, offerId: 'WRD-BUS-PREM', quantity: 100_000 }] },
        [{ lineItemNumber: 1 }],
      ],
      [
        'quantity 0 on line 2',
        { lineItems: [good, { lineItemNumber: 1, offerId: 'WRD-BUS-PREM', quantity: 0 }] },
        undefined,
      ],
      ['two lines with one number', { lineItems: [good, { ...good }] }, undefined],
      ['no lines', { lineItems: [] }, undefined],
      [
        'unknown property on a line',
        { lineItems: [good, { lineItemNumber: 1, offerId: 'WRD-BUS-PREM', quantity: 1, price: 0 }] },
        undefined,
      ],
      [
        'another customer as reference',
        { referenceCustomerId: w.demo.customers['adatum.example'], lineItems: [good] },
        undefined,
      ],
    ];
    for (const [name, body, data] of cases) {
      const res = await callApi(w, 'POST', path, { token: jane, body });
      assert.equal(res.status, 400, name);
      assert.equal(res.body.wardenCode, 'invalid_request', name);
      if (data) assert.deepEqual(res.body.data, data, name);
    }
    assert.deepEqual(await countRows(w.ctx.db, ['orders', 'subscriptions']), before);

    const placed = await callApi(w, 'POST', path, {
      token: jane,
      body: { lineItems: [good, { lineItemNumber: 1, offerId: 'WRD-BUS-PREM', quantity: 1 }] },
    });
    assert.equal(placed.status, 201);
    const after = await countRows(w.ctx.db, ['orders', 'subscriptions']);
    assert.deepEqual(after, { orders: before.orders! + 1, subscriptions: before.subscriptions! + 2 });
  });

  it('STYLE 4: bad input: a service request with a bad severity, an unknown customer or an unknown property gets 400 and writes nothing', async () => {
    const valid = {
      title: 'Help',
      description: 'Broken.',
      severity: 'moderate',
      supportTopicName: 'Billing',
    };
    const before = await countRows(w.ctx.db, ['service_requests']);
    const cases: [string, unknown][] = [
      ['bad severity', { ...valid, severity: 'apocalyptic' }],
      ['customer of another partner', { ...valid, customerId: w.demo.customers['tailspin.example'] }],
      ['customer id not a GUID', { ...valid, customerId: 'northwind' }],
      ['unknown property', { ...valid, assignee: 'me' }],
      ['empty title', { ...valid, title: '' }],
    ];
    for (const [name, body] of cases) {
      const res = await callApi(w, 'POST', '/v1/servicerequests', { token: jane, body });
      assert.equal(res.status, 400, name);
      assert.equal(res.body.wardenCode, 'invalid_request', name);
    }
    assert.deepEqual(await countRows(w.ctx.db, ['service_requests']), before);
  });

  it('STYLE 4: bad input: queries and path parameters are checked (country, GUIDs, invoice ids)', async () => {
    const cases: [string, number, string][] = [
      ['/v1/offers', 400, 'invalid_request'],
      ['/v1/offers?country=ZZ', 400, 'invalid_request'],
      ['/v1/invoices?size=0', 400, 'invalid_request'],
      ['/v1/customers?size=-1', 400, 'invalid_request'],
      ['/v1/customers?size=501', 400, 'invalid_request'],
      ['/v1/customers/not-a-guid', 400, 'invalid_request'],
      [`/v1/customers/${crypto.randomUUID()}`, 404, 'not_found'],
      ['/v1/invoices/NOPE/lineitems', 404, 'not_found'],
      ['/v1/invoices/..%2F..%2Fetc/lineitems', 400, 'invalid_request'],
    ];
    for (const [path, status, code] of cases) {
      const res = await callApi(w, 'GET', path, { token: jane });
      assert.equal(res.status, status, path);
      assert.equal(res.body.wardenCode, code, path);
    }
  });
});
