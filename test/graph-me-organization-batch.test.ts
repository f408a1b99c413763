import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { delegatedSignIn, graph } from './support/aobo.ts';
import { graphAppToken, graphToken } from './support/graph.ts';
import { graphUserBody } from './support/graph-users.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { callApi } from './support/tokens.ts';
import { makeUser } from './support/users.ts';

/** One answer of a batch, as the tests read it. */
interface BatchAnswer {
  id: string;
  status: number;
  headers: Record<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: tests read response fields freely
  body: any;
}

describe('Graph /me, /organization and JSON batching', () => {
  let w: TestWarden;
  let jane: string;
  let app: string;
  before(async () => {
    w = await startWarden();
    jane = await graphToken(w, 'jane@contoso.example');
    app = await graphAppToken(w);
  });
  after(() => w.stop());

  it('Graph user: get (/me): a delegated token reads its own user, $select included; any user, not only administrators', async () => {
    const me = await callApi(w, 'GET', '/v1.0/me', { token: jane });
    assert.equal(me.status, 200);
    assert.equal(me.body['@odata.context'], `${w.baseUrl}/v1.0/$metadata#users/$entity`);
    assert.equal(me.body.id, w.demo.users['jane@contoso.example']!.id);
    assert.equal(me.body.jobTitle, 'Partner Administrator');
    const selected = await callApi(w, 'GET', '/v1.0/me?$select=id,usageLocation', { token: jane });
    assert.deepEqual(Object.keys(selected.body).sort(), ['@odata.context', 'id', 'usageLocation']);
    assert.equal(selected.body.usageLocation, 'US');
    const plain = await makeUser(w, { name: 'plain', totp: true });
    const own = await callApi(w, 'GET', '/v1.0/me', { token: await graphToken(w, plain.upn) });
    assert.equal(own.status, 200, JSON.stringify(own.body));
    assert.equal(own.body.userPrincipalName, plain.upn);
  });

  it("Graph user: get (/me): an app-only token gets 400 BadRequest, '/me request is only valid with delegated authentication flow.'", async () => {
    const res = await callApi(w, 'GET', '/v1.0/me', { token: app });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'BadRequest');
    assert.equal(res.body.error.message, '/me request is only valid with delegated authentication flow.');
  });

  it('Graph user: update (/me): a user changes their own phones and language, not what the organisation decides', async () => {
    const plain = await makeUser(w, { name: 'selfie', totp: true });
    const token = await graphToken(w, plain.upn);
    const ok = await callApi(w, 'PATCH', '/v1.0/me', {
      token,
      body: {
        mobilePhone: '+31 20 555 0100',
        preferredLanguage: 'nl-NL',
        businessPhones: ['+31 20 555 0101'],
      },
    });
    assert.equal(ok.status, 204, JSON.stringify(ok.body));
    const me = await callApi(w, 'GET', '/v1.0/me', { token });
    assert.deepEqual(
      [me.body.mobilePhone, me.body.preferredLanguage, me.body.businessPhones],
      ['+31 20 555 0100', 'nl-NL', ['+31 20 555 0101']],
    );
    for (const body of [{ jobTitle: 'CEO' }, { displayName: 'Boss' }, { preferredLanguage: 'klingon' }]) {
      const res = await callApi(w, 'PATCH', '/v1.0/me', { token, body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error.code, 'Request_BadRequest');
    }
    const after = await callApi(w, 'GET', '/v1.0/me', { token });
    assert.equal(after.body.jobTitle, null);
  });

  it("SPEC E3: /me with a partner user's token at a customer's authority is a 404: the partner is a foreign principal there, and no user of either tenant is shown", async () => {
    const aobo = (await delegatedSignIn(w, 'jane@contoso.example', 'woodgrove')).tokens.access_token!;
    const res = await graph(w, aobo, 'GET', '/me');
    assert.equal(res.status, 404);
    assert.equal(res.body.error.code, 'Request_ResourceNotFound');
    const org = await graph(w, aobo, 'GET', '/organization');
    assert.equal(org.status, 200);
    assert.deepEqual(
      (org.body.value as { id: string }[]).map((o) => o.id),
      [w.demo.tenants.woodgrove!.id],
      "the customer's organization, as its partner administers it",
    );
  });

  it('Graph organization: list and get: the caller tenant only, its one verified domain (default, initial, managed), cloud-only sync null, partnerTenantType of a CSP partner', async () => {
    const contoso = w.demo.tenants.contoso!;
    const list = await callApi(w, 'GET', '/v1.0/organization', { token: jane });
    assert.equal(list.status, 200);
    assert.equal(list.body['@odata.context'], `${w.baseUrl}/v1.0/$metadata#organization`);
    assert.equal(list.body.value.length, 1);
    const [org] = list.body.value;
    assert.equal(org.id, contoso.id);
    assert.equal(org.tenantType, 'AAD');
    assert.equal(org.onPremisesSyncEnabled, null);
    assert.equal(org.partnerTenantType, 'resellerPartnerDelegatedAdmin');
    assert.match(org.createdDateTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(org.verifiedDomains, [
      { capabilities: 'None', isDefault: true, isInitial: true, name: contoso.domain, type: 'Managed' },
    ]);
    const one = await callApi(
      w,
      'GET',
      `/v1.0/organization/${contoso.id.toUpperCase()}?$select=id,displayName`,
      {
        token: jane,
      },
    );
    assert.equal(one.status, 200);
    assert.deepEqual(Object.keys(one.body).sort(), ['@odata.context', 'displayName', 'id']);
    const other = await callApi(w, 'GET', `/v1.0/organization/${w.demo.tenants.woodgrove!.id}`, {
      token: jane,
    });
    assert.equal(other.status, 404);
    assert.equal(other.body.error.code, 'Request_ResourceNotFound');
    // A customer's country is the one its partner recorded; it is no partner itself.
    const customer = (await delegatedSignIn(w, 'jane@contoso.example', 'woodgrove')).tokens.access_token!;
    const woodgrove = await graph(w, customer, 'GET', '/organization');
    assert.equal(woodgrove.body.value[0].partnerTenantType, null);
    assert.match(woodgrove.body.value[0].countryLetterCode, /^[A-Z]{2}$/);
    // An application needs Organization.Read.All (contoso-automation has User.Read.All only).
    const refused = await callApi(w, 'GET', '/v1.0/organization', { token: app });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'Authorization_RequestDenied');
  });

  it('Graph JSON batching: requests answered with id, status, headers, body; each authorised on its own (a refused one does not stop the others); dependsOn', async () => {
    const sam = await makeUser(w, { name: 'helpless', totp: true });
    const token = await graphToken(w, sam.upn);
    const res = await callApi(w, 'POST', '/v1.0/$batch', {
      token,
      body: {
        requests: [
          { id: '1', method: 'GET', url: '/me?$select=id' },
          { id: '2', method: 'GET', url: 'users?$top=1' },
          {
            id: '3',
            method: 'POST',
            url: '/users',
            headers: { 'Content-Type': 'application/json' },
            body: graphUserBody('batched'),
          },
          { id: '4', method: 'GET', url: '/organization', dependsOn: ['1'] },
          { id: '5', method: 'GET', url: '/users/$count', dependsOn: ['2'] },
          { id: '6', method: 'GET', url: '/nothingHere' },
        ],
      },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const byId = new Map((res.body.responses as BatchAnswer[]).map((r) => [r.id, r]));
    assert.deepEqual([...byId.keys()], ['1', '2', '3', '4', '5', '6']);
    assert.equal(byId.get('1')!.status, 200);
    assert.equal(byId.get('1')!.body.id, sam.id);
    assert.match(byId.get('1')!.headers['Content-Type'] ?? '', /^application\/json/);
    // A user without a directory role (signed in without MFA) may read /me and /organization, not
    // list or create users: each answer is the one the request alone would get.
    assert.equal(byId.get('2')!.status, 401);
    assert.equal(byId.get('2')!.body.error.code, 'Authentication_MfaRequired');
    assert.equal(byId.get('3')!.status, 401);
    assert.equal(byId.get('4')!.status, 200);
    assert.equal(byId.get('5')!.status, 424, 'its dependency failed: not run');
    assert.equal(byId.get('6')!.status, 404);
    assert.equal(byId.get('6')!.body.error.code, 'Request_ResourceNotFound');
    const none = await callApi(
      w,
      'GET',
      `/v1.0/users?$filter=${encodeURIComponent("startswith(userPrincipalName,'batched')")}`,
      {
        token: jane,
      },
    );
    assert.deepEqual(none.body.value, [], 'the refused creation wrote nothing');

    // The same creation by an administrator, in a batch, is made; an app-only batch is judged by its roles.
    const made = await callApi(w, 'POST', '/v1.0/$batch', {
      token: jane,
      body: {
        requests: [
          {
            id: 'a',
            method: 'POST',
            url: '/users',
            headers: { 'content-type': 'application/json' },
            body: graphUserBody('batched'),
          },
          { id: 'b', method: 'GET', url: '/users/batched@contoso.example?$select=id', dependsOn: ['a'] },
          { id: 'c', method: 'GET', url: '/users/$count', headers: { ConsistencyLevel: 'eventual' } },
        ],
      },
    });
    const [a, b, c] = made.body.responses;
    assert.equal(a.status, 201, JSON.stringify(a.body));
    assert.equal(b.status, 200);
    assert.equal(b.body.id, a.body.id);
    assert.equal(c.status, 200);
    assert.match(String(c.body), /^\d+$/);
    const appBatch = await callApi(w, 'POST', '/v1.0/$batch', {
      token: app,
      body: {
        requests: [
          { id: '1', method: 'GET', url: '/users?$top=1' },
          { id: '2', method: 'GET', url: '/me' },
        ],
      },
    });
    assert.deepEqual(
      appBatch.body.responses.map((r: { status: number }) => r.status),
      [200, 400],
    );
  });

  it('Graph JSON batching: more than 20 requests, a repeated id, a dependsOn forward are 400 BadRequest; a nested batch, an absolute url, a body without Content-Type are refused per request; no token is 401', async () => {
    const many = Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: 'GET', url: '/me' }));
    for (const requests of [
      many,
      [
        { id: '1', method: 'GET', url: '/me' },
        { id: '1', method: 'GET', url: '/me' },
      ],
      [
        { id: '1', method: 'GET', url: '/me', dependsOn: ['2'] },
        { id: '2', method: 'GET', url: '/me' },
      ],
    ]) {
      const res = await callApi(w, 'POST', '/v1.0/$batch', { token: jane, body: { requests } });
      assert.equal(res.status, 400, JSON.stringify(requests).slice(0, 80));
      assert.equal(res.body.error.code, 'BadRequest');
    }
    const twenty = await callApi(w, 'POST', '/v1.0/$batch', {
      token: jane,
      body: { requests: many.slice(0, 20) },
    });
    assert.equal(twenty.status, 200);
    assert.ok(twenty.body.responses.every((r: { status: number }) => r.status === 200));
    const res = await callApi(w, 'POST', '/v1.0/$batch', {
      token: jane,
      body: {
        requests: [
          {
            id: '1',
            method: 'POST',
            url: '/$batch',
            headers: { 'content-type': 'application/json' },
            body: { requests: [] },
          },
          { id: '2', method: 'GET', url: 'https://graph.microsoft.com/v1.0/me' },
          { id: '3', method: 'PATCH', url: '/me', body: { mobilePhone: '1' } },
          { id: '4', method: 'GET', url: '/v1.0/me' },
        ],
      },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.body.responses.map((r: { status: number }) => r.status),
      [400, 400, 400, 400],
    );
    const anonymous = await callApi(w, 'POST', '/v1.0/$batch', {
      body: { requests: [{ id: '1', method: 'GET', url: '/me' }] },
    });
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body.error.code, 'InvalidAuthenticationToken');
  });

  it('Graph JSON batching: a batched url never leaves /v1.0 nor names the batch however it is written (dot segments, percent-encoding): 400 per request', async () => {
    const nested = { requests: [{ id: 'n', method: 'GET', url: '/me' }] };
    const json = { 'content-type': 'application/json' };
    const urls = [
      '/../v1.0/$batch',
      '/./$batch',
      '/%24batch',
      '/../healthz',
      '/%2e%2e/v1/customers',
      '/users/../me',
      '/%2E/me',
      '/..\u0001',
      '/%2e%2e\u001f',
      '/$batch\u0001',
    ];
    const res = await callApi(w, 'POST', '/v1.0/$batch', {
      token: jane,
      body: {
        requests: urls.map((url, i) => ({
          id: String(i + 1),
          method: url.includes('batch') ? 'POST' : 'GET',
          url,
          ...(url.includes('batch') ? { headers: json, body: nested } : {}),
        })),
      },
    });
    assert.equal(res.status, 200);
    for (const r of res.body.responses as {
      id: string;
      status: number;
      body: { error: { code: string } };
    }[]) {
      assert.equal(r.status, 400, urls[Number(r.id) - 1]);
      assert.equal(r.body.error.code, 'BadRequest');
    }
  });
});
