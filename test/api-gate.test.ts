import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { bearerCredentials } from '../src/api-gate/bearer.ts';
import { bearerChallenge } from '../src/api-gate/challenge.ts';
import { graphToken } from './support/graph.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { callApi, userToken } from './support/tokens.ts';

/*
 * The machinery both resource APIs share (api-gate/): one reading of the Authorization header, one
 * way to build challenges, one GUID check. Each is checked here on both gates, /v1 and /v1.0.
 */

const JANE = 'jane@contoso.example';

/** A request through node:http, which (unlike fetch) can send a header line twice. */
function rawRequest(
  url: string,
  headers: Record<string, string | string[]>,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: text ? JSON.parse(text) : undefined,
        });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the gate machinery of both APIs (RFC 6750, RFC 9562)', () => {
  let w: TestWarden;
  let partnerJane: string;
  let graphJane: string;
  before(async () => {
    w = await startWarden();
    partnerJane = await userToken(w, JANE);
    graphJane = await graphToken(w, JANE);
  });
  after(() => w.stop());

  it('RFC 6750 §2.1: two Authorization headers get 400 on /v1 (invalid_request) and /v1.0 (Request_BadRequest), even with a valid token in each', async () => {
    // The baseline: the same token in one header is admitted.
    assert.equal((await callApi(w, 'GET', '/v1/customers', { token: partnerJane })).status, 200);
    assert.equal((await callApi(w, 'GET', '/v1.0/users', { token: graphJane })).status, 200);

    const partner = await rawRequest(`${w.baseUrl}/v1/customers`, {
      authorization: [`Bearer ${partnerJane}`, `Bearer ${partnerJane}`],
    });
    assert.equal(partner.status, 400);
    assert.equal((partner.body as { wardenCode: string }).wardenCode, 'invalid_request');
    assert.ok(partner.headers['ms-correlationid']);

    const graph = await rawRequest(`${w.baseUrl}/v1.0/users`, {
      authorization: [`Bearer ${graphJane}`, 'Bearer another'],
    });
    assert.equal(graph.status, 400);
    assert.equal((graph.body as { error: { code: string } }).error.code, 'Request_BadRequest');
    assert.ok(graph.headers['request-id']);
  });

  it('RFC 6750 §2.1: two credentials joined by a comma in one header (a merged pair) get 400 on /v1 and /v1.0', async () => {
    const partner = await callApi(w, 'GET', '/v1/customers', {
      headers: { authorization: `Bearer ${partnerJane}, Bearer ${partnerJane}` },
    });
    assert.equal(partner.status, 400);
    assert.equal(partner.body.wardenCode, 'invalid_request');
    const graph = await callApi(w, 'GET', '/v1.0/users', {
      headers: { authorization: `Bearer ${graphJane}, Basic amFuZTpwdw==` },
    });
    assert.equal(graph.status, 400);
    assert.equal(graph.body.error.code, 'Request_BadRequest');
  });

  it('RFC 6750 §2.1: how the Authorization header is read (one Bearer token, scheme in any case; none; two)', () => {
    const raw = (...headers: string[]) => ({ rawHeaders: headers });
    const rows: [string, ReturnType<typeof raw>, ReturnType<typeof bearerCredentials>][] = [
      [
        'one token',
        raw('Authorization', 'Bearer abc.def-_~+/=='),
        { kind: 'token', token: 'abc.def-_~+/==' },
      ],
      [
        'scheme in lower case, extra spaces',
        raw('authorization', 'bearer   abc '),
        { kind: 'token', token: 'abc' },
      ],
      ['no header', raw('Host', 'x'), { kind: 'none' }],
      ['another scheme', raw('Authorization', 'Basic amFuZTpwdw=='), { kind: 'none' }],
      ['no token after the scheme', raw('Authorization', 'Bearer '), { kind: 'none' }],
      ['characters outside b64token', raw('Authorization', 'Bearer a"b'), { kind: 'none' }],
      [
        'two header lines',
        raw('Authorization', 'Bearer a', 'AUTHORIZATION', 'Bearer a'),
        { kind: 'ambiguous' },
      ],
      ['a comma-joined pair', raw('Authorization', 'Bearer a, Bearer b'), { kind: 'ambiguous' }],
    ];
    for (const [name, input, expected] of rows) assert.deepEqual(bearerCredentials(input), expected, name);
  });

  it('RFC 6750 §3, RFC 9110 §5.6.4: challenges quote realm as a quoted-string and keep error_description inside its allowed characters', () => {
    assert.equal(
      bearerChallenge({ realm: 'Warden "Partner" API\\' }),
      'Bearer realm="Warden \\"Partner\\" API\\\\"',
    );
    assert.equal(
      bearerChallenge({ error: 'invalid_token', errorDescription: 'The "token" isn\'t valid\\ — é\n' }),
      `Bearer error="invalid_token", error_description="The 'token' isn't valid' ? ??"`,
    );
    assert.equal(
      bearerChallenge({
        error: 'insufficient_user_authentication',
        errorDescription: 'Step up.',
        acrValues: 'urn:warden:acr:mfa',
      }),
      'Bearer error="insufficient_user_authentication", error_description="Step up.", acr_values="urn:warden:acr:mfa"',
    );
  });

  it('RFC 9562 §4: an upper-case MS-CorrelationId and client-request-id are echoed like lower-case ones; a non-GUID is not', async () => {
    const lower = '0f2b4c6d-1111-4222-8333-944455556666';
    const upper = lower.toUpperCase();
    for (const id of [lower, upper]) {
      const partner = await callApi(w, 'GET', '/v1/customers', {
        token: partnerJane,
        headers: { 'ms-correlationid': id },
      });
      assert.equal(partner.status, 200);
      assert.equal(partner.headers.get('ms-correlationid'), id);
      const graph = await callApi(w, 'GET', '/v1.0/users', {
        token: graphJane,
        headers: { 'client-request-id': id },
      });
      assert.equal(graph.status, 200);
      assert.equal(graph.headers.get('client-request-id'), id);
    }
    const notGuid = await callApi(w, 'GET', '/v1/customers', {
      token: partnerJane,
      headers: { 'ms-correlationid': 'not-a-guid' },
    });
    assert.notEqual(notGuid.headers.get('ms-correlationid'), 'not-a-guid');
    const graphNotGuid = await callApi(w, 'GET', '/v1.0/users', {
      token: graphJane,
      headers: { 'client-request-id': 'not-a-guid' },
    });
    assert.equal(graphNotGuid.headers.get('client-request-id'), null);
  });

  it('RFC 9562 §4: an id in the path names the same object in upper or lower case, on /v1 and /v1.0', async () => {
    const northwind = w.demo.customers['northwind.example']!;
    const sam = w.demo.users['sam@contoso.example']!.id;
    const groups = await callApi(w, 'GET', "/v1.0/groups?$filter=displayName eq 'SalesAgents'", {
      token: graphJane,
    });
    const salesAgents = groups.body.value[0].id as string;
    const paths: [string, string, string][] = [
      ['/v1/customers/', northwind, partnerJane],
      // A delegated route: the gate finds the customer's grant by the same id.
      ['/v1/customers/', `${northwind}/users`, partnerJane],
      ['/v1.0/users/', sam, graphJane],
      ['/v1.0/groups/', salesAgents, graphJane],
      ['/v1.0/groups/', `${salesAgents}/members`, graphJane],
    ];
    // What a response says about the object, leaving out the links that repeat the request's URL.
    const answer = (body: { id?: string; items?: unknown; value?: unknown }) => ({
      id: body.id,
      items: body.items,
      value: body.value,
    });
    for (const [prefix, rest, token] of paths) {
      const [id, tail = ''] = rest.split('/');
      const lower = await callApi(w, 'GET', `${prefix}${rest}`, { token });
      const upper = await callApi(w, 'GET', `${prefix}${id!.toUpperCase()}${tail ? `/${tail}` : ''}`, {
        token,
      });
      assert.equal(lower.status, 200, `${prefix}${rest}: ${JSON.stringify(lower.body)}`);
      assert.equal(upper.status, 200, `${prefix}${rest} in upper case: ${JSON.stringify(upper.body)}`);
      assert.deepEqual(answer(upper.body), answer(lower.body), `${prefix}${rest}`);
      assert.ok(lower.body.id || lower.body.items || lower.body.value, `${prefix}${rest} answers something`);
    }
    // And in a $filter and a query parameter.
    const byFilter = await callApi(w, 'GET', `/v1.0/users?$filter=id eq '${sam.toUpperCase()}'`, {
      token: graphJane,
    });
    assert.equal(byFilter.status, 200);
    assert.deepEqual(
      byFilter.body.value.map((u: { id: string }) => u.id),
      [sam],
    );
    const requests = async (id: string) =>
      (await callApi(w, 'GET', `/v1/servicerequests?customerId=${id}`, { token: partnerJane })).body.items;
    assert.deepEqual(await requests(northwind.toUpperCase()), await requests(northwind));
  });
});
