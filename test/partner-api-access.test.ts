import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createApplication } from '../src/directory/applications.ts';
import { API_CATEGORIES, type ApiCategory } from '../src/partner-api/declarations.ts';
import { ACCESS } from '../src/partner-center/access.ts';
import { PARTNER_API } from '../src/tokens/audiences.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { type ApiResponse, appOnlyToken, callApi, userToken } from './support/tokens.ts';

interface Call {
  category: ApiCategory;
  method: 'GET' | 'POST';
  path: string;
  body?: () => unknown;
}

let domains = 0;
const newCustomer = () => ({
  companyProfile: { domain: `new-${++domains}-${Date.now()}.example` },
  billingProfile: {
    email: 'it@new.example',
    companyName: 'New Customer',
    defaultAddress: { country: 'US', city: 'Seattle', addressLine1: '1 Main St' },
  },
});
const newRequest = () => ({
  title: 'Help',
  description: 'Something is broken.',
  severity: 'minimal',
  supportTopicName: 'Billing',
});
const oneLicence = () => ({ lineItems: [{ lineItemNumber: 0, offerId: 'WRD-MAIL-1', quantity: 1 }] });

/** One call of each operation, by category (SPEC E2). Needs the ids of the demo data. */
function operations(w: TestWarden, invoiceId: string, subscriptionId: string): Call[] {
  const northwind = w.demo.customers['northwind.example']!;
  return [
    { category: 'discovery', method: 'GET', path: '/v1/offers?country=US' },
    { category: 'discovery', method: 'GET', path: '/v1/offers/WRD-MAIL-1?country=US' },
    { category: 'transactions', method: 'POST', path: `/v1/customers/${northwind}/orders`, body: oneLicence },
    { category: 'billing', method: 'GET', path: '/v1/invoices' },
    { category: 'billing', method: 'GET', path: `/v1/invoices/${invoiceId}` },
    { category: 'billing', method: 'GET', path: `/v1/invoices/${invoiceId}/lineitems` },
    {
      category: 'billing',
      method: 'GET',
      path: `/v1/invoices/${invoiceId}/lineitems/Office/BillingLineItems`,
    },
    { category: 'customer-management', method: 'GET', path: '/v1/customers' },
    { category: 'customer-management', method: 'POST', path: '/v1/customers', body: newCustomer },
    { category: 'customer-management', method: 'GET', path: `/v1/customers/${northwind}` },
    { category: 'customer-management', method: 'GET', path: `/v1/customers/${northwind}/subscriptions` },
    {
      category: 'customer-management',
      method: 'GET',
      path: `/v1/customers/${northwind}/subscriptions/${subscriptionId}`,
    },
    { category: 'customer-requests', method: 'GET', path: '/v1/servicerequests' },
    { category: 'customer-requests', method: 'POST', path: '/v1/servicerequests', body: newRequest },
    { category: 'user-management', method: 'GET', path: `/v1/customers/${northwind}/users` },
  ];
}

const run = (w: TestWarden, call: Call, token: string): Promise<ApiResponse> =>
  callApi(w, call.method, call.path, { token, ...(call.body ? { body: call.body() } : {}) });
const okStatus = (call: Call) => (call.method === 'POST' ? 201 : 200);

describe('SPEC E2: the Partner API, App+User and app-only by category', () => {
  let w: TestWarden;
  let calls: Call[];
  const tokens = new Map<string, string>();
  before(async () => {
    w = await startWarden();
    // Each user signs in once (argon2 and TOTP cost); the tokens serve every test below.
    for (const upn of ['jane', 'sam', 'hal', 'bill', 'sky']) {
      tokens.set(upn, await userToken(w, `${upn}@contoso.example`));
    }
    const invoices = await callApi(w, 'GET', '/v1/invoices', { token: tokens.get('jane')! });
    const northwind = w.demo.customers['northwind.example']!;
    const subscriptions = await callApi(w, 'GET', `/v1/customers/${northwind}/subscriptions`, {
      token: tokens.get('jane')!,
    });
    calls = operations(w, invoices.body.items[0].id, subscriptions.body.items[0].id);
  });
  after(() => w.stop());

  it('SPEC E2: an App+User token with mfa (Jane, Admin agent) may call every operation of every category', async () => {
    for (const call of calls) {
      const res = await run(w, call, tokens.get('jane')!);
      assert.equal(res.status, okStatus(call), `${call.method} ${call.path}: ${JSON.stringify(res.body)}`);
    }
  });

  it('SPEC E2: app-only tokens work where no delegated role is needed; writes need Partner.ReadWrite.All (app_role_required)', async () => {
    const readOnly = await appOnlyToken(w); // contoso-automation: Partner.Read.All only
    const expected: Record<string, [number, string?]> = {
      'GET /v1/offers': [200],
      'GET /v1/offers/WRD-MAIL-1': [200],
      'GET /v1/invoices/:id': [200],
      'GET /v1/invoices/:id/lineitems/Office/BillingLineItems': [200],
      'GET /v1/customers/:id/subscriptions/:id': [200],
      'POST /v1/customers/:id/orders': [403, 'app_role_required'],
      'GET /v1/invoices': [200],
      'GET /v1/invoices/:id/lineitems': [200],
      'GET /v1/customers': [200],
      'POST /v1/customers': [403, 'app_role_required'],
      'GET /v1/customers/:id': [200],
      'GET /v1/customers/:id/subscriptions': [200],
      'GET /v1/servicerequests': [200],
      'POST /v1/servicerequests': [403, 'app_role_required'],
      'GET /v1/customers/:id/users': [403, 'app_only_not_allowed'],
    };
    for (const call of calls) {
      const route = `${call.method} ${call.path.replace(/\?.*/, '').replace(/\/(?:[0-9a-f-]{36}|D[0-9A-F]+)(?=\/|$)/g, '/:id')}`;
      const [status, code] = expected[route]!;
      const res = await run(w, call, readOnly);
      assert.equal(res.status, status, route);
      assert.equal(res.body.wardenCode, code, route);
      if (code === 'app_role_required') assert.deepEqual(res.body.data, ['Partner.ReadWrite.All'], route);
    }
  });

  it('SPEC E2: an app granted Partner.ReadWrite.All may write app-only, but still not act in a customer tenant', async () => {
    const { clientSecret } = await createApplication(w.ctx.db, w.ctx.secrets, w.demo.tenants.contoso!.id, {
      id: '94c12956-a5fc-4352-a836-6fd4bdffbf6b',
      displayName: 'Contoso writer',
      clientType: 'confidential',
      grantedAppRoles: ['Partner.ReadWrite.All'],
      allowedScopes: [`${PARTNER_API}/.default`],
    });
    const writer = await appOnlyToken(w, '94c12956-a5fc-4352-a836-6fd4bdffbf6b', clientSecret);
    for (const call of calls) {
      const res = await run(w, call, writer);
      if (call.category === 'user-management') {
        assert.equal(res.status, 403, call.path);
        assert.equal(res.body.wardenCode, 'app_only_not_allowed', call.path);
      } else {
        assert.equal(res.status, okStatus(call), `${call.method} ${call.path}: ${JSON.stringify(res.body)}`);
      }
    }
  });

  it('SPEC E2 role matrix: each Contoso user gets 200 or 403 role_required (data: the allowed roles), as ACCESS says', async () => {
    for (const [name, token] of tokens) {
      const user = w.demo.users[`${name}@contoso.example`]!;
      const roles = new Set<string>([...user.groups, ...user.roles]);
      for (const call of calls) {
        const allowed: readonly string[] = ACCESS[API_CATEGORIES[call.category].area];
        const res = await run(w, call, token);
        const where = `${name} ${call.method} ${call.path}`;
        if (allowed.some((r) => roles.has(r))) {
          assert.equal(res.status, okStatus(call), `${where}: ${JSON.stringify(res.body)}`);
        } else {
          assert.equal(res.status, 403, where);
          assert.equal(res.body.wardenCode, 'role_required', where);
          assert.deepEqual(res.body.data, [...allowed], where);
        }
      }
    }
  });

  it('SPEC E1 rows hold on the API: customers (admin, sales, helpdesk), customer requests (admin, helpdesk), billing (admin, global, billing admin)', async () => {
    // Written out from the SPEC table, not derived from ACCESS, so a wrong ACCESS row fails here.
    const spec: Record<string, Record<string, boolean>> = {
      '/v1/customers': { jane: true, sam: true, hal: true, bill: false, sky: false },
      '/v1/servicerequests': { jane: true, sam: false, hal: true, bill: false, sky: false },
      '/v1/invoices': { jane: true, sam: false, hal: false, bill: true, sky: false },
    };
    for (const [path, row] of Object.entries(spec)) {
      for (const [name, may] of Object.entries(row)) {
        const res = await callApi(w, 'GET', path, { token: tokens.get(name)! });
        assert.equal(res.status, may ? 200 : 403, `${name} GET ${path}`);
      }
    }
  });

  it('SPEC §13: delegated admin: user management in a customer that granted none gets 403, with DAP 200', async () => {
    const jane = tokens.get('jane')!;
    const adatum = w.demo.customers['adatum.example']!;
    const northwind = w.demo.customers['northwind.example']!;
    const refused = await callApi(w, 'GET', `/v1/customers/${adatum}/users`, { token: jane });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.wardenCode, 'role_required');
    const granted = await callApi(w, 'GET', `/v1/customers/${northwind}/users`, { token: jane });
    assert.equal(granted.status, 200);
    assert.ok(
      granted.body.items.every((u: { userPrincipalName: string }) =>
        u.userPrincipalName.endsWith('@northwind.example'),
      ),
    );
  });

  it('STYLE 5: tenant scoping: a customer of another partner is not found, whoever asks', async () => {
    const tailspin = w.demo.customers['tailspin.example']!; // Fabrikam's customer
    for (const path of [
      `/v1/customers/${tailspin}`,
      `/v1/customers/${tailspin}/subscriptions`,
      `/v1/customers/${tailspin}/users`,
    ]) {
      const res = await callApi(w, 'GET', path, { token: tokens.get('jane')! });
      assert.equal(res.status, 404, path);
      assert.equal(res.body.wardenCode, 'not_found', path);
    }
  });
});
