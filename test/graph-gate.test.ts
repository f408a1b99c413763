import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { getTenant } from '../src/directory/tenants.ts';
import { GRAPH_PERMISSIONS } from '../src/graph-api/access.ts';
import type { GraphRouteDeclaration } from '../src/graph-api/declarations.ts';
import { installGraphGate } from '../src/graph-api/gate.ts';
import { registerGraphApi } from '../src/graph-api/index.ts';
import { AccessTokenVerifier } from '../src/tokens/access-tokens.ts';
import { GRAPH_API } from '../src/tokens/audiences.ts';
import { graphAppToken, graphToken } from './support/graph.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { routesOf } from './support/routes.ts';
import { callApi, sign, userClaims, userToken } from './support/tokens.ts';
import { makeUser } from './support/users.ts';

const POLICY = '/v1.0/policies/identitySecurityDefaultsEnforcementPolicy';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('STYLE 2: the Graph API gate', () => {
  let w: TestWarden;
  let jane: string;
  before(async () => {
    w = await startWarden();
    jane = await graphToken(w, 'jane@contoso.example');
  });
  after(() => w.stop());

  it('STYLE 2: every route under /v1.0 and /beta declares an operation and a permission of the one table, and passes the gate', async () => {
    const served = routesOf(w.app).filter((r) => /^\/(v1\.0|beta)\//.test(r.split(' ')[1]!));
    assert.ok(served.length >= 2, served.join('\n'));
    const declared = new Map<string, GraphRouteDeclaration | undefined>();
    const fresh = Fastify();
    fresh.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) {
        if (method !== 'HEAD') declared.set(`${method} ${route.url}`, route.config?.graph);
      }
    });
    await registerGraphApi(fresh, w.ctx);
    await fresh.ready();
    await fresh.close();
    assert.deepEqual(
      [...declared.keys()].sort(),
      [...served].sort(),
      'no /v1.0 or /beta route lives outside the Graph plugin',
    );
    const operations = new Set<string>();
    for (const [route, d] of declared) {
      assert.ok(d && Object.hasOwn(GRAPH_PERMISSIONS, d.permission), `${route} declares no known permission`);
      assert.ok(!operations.has(d.operation), `${route}: operation ${d.operation} named twice`);
      operations.add(d.operation);
    }
    // Each route answers a request without a token from the gate, in Graph's error shape.
    for (const route of served) {
      const [method, path] = route.split(' ') as [string, string];
      const res = await callApi(w, method, path.replace(/:\w+/g, crypto.randomUUID()));
      assert.equal(res.status, 401, route);
      assert.equal(res.body.error.code, 'InvalidAuthenticationToken', route);
    }
  });

  it('STYLE 2: a route without a valid declaration cannot be registered inside the Graph API', async () => {
    const verifier = new AccessTokenVerifier({
      db: w.ctx.db,
      keys: w.ctx.publicKeys,
      baseUrl: w.ctx.config.baseUrl,
      audience: GRAPH_API,
      accessTokenType: 'JWT',
      clock: w.ctx.clock,
    });
    for (const declaration of [
      undefined,
      { operation: 'x.list', permission: 'everything' },
      { permission: 'users.read' },
    ]) {
      const app = Fastify();
      await assert.rejects(
        async () => {
          await app.register(async (api) => {
            installGraphGate(api, w.ctx, verifier);
            const config = declaration ? { graph: declaration as never } : {};
            api.get('/x', { config }, async () => 'x');
          });
          await app.ready();
        },
        /Graph route GET \/x/,
        JSON.stringify(declaration),
      );
      await app.close();
    }
  });

  it("Graph API: errors are Graph's { error: { code, message, innerError: { request-id, date } } } with a request-id header", async () => {
    const res = await callApi(w, 'GET', POLICY, {
      headers: { 'client-request-id': '0f2b4c6d-1111-4222-8333-944455556666' },
    });
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'InvalidAuthenticationToken');
    assert.equal(typeof res.body.error.message, 'string');
    assert.match(res.body.error.innerError['request-id'], GUID);
    assert.equal(res.headers.get('request-id'), res.body.error.innerError['request-id']);
    assert.equal(res.headers.get('client-request-id'), '0f2b4c6d-1111-4222-8333-944455556666');
    assert.match(res.body.error.innerError.date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer error="invalid_token"/);

    const missing = await callApi(w, 'GET', '/v1.0/nothingHere', { token: jane });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'Request_ResourceNotFound');
  });

  it('SPEC §5, RFC 9470 §3: an App+User token without mfa gets 401 Authentication_MfaRequired with the step-up challenge', async () => {
    // A Fabrikam (no MFA policy) admin agent who is also Global Administrator: roles do not help.
    const john = await makeUser(w, {
      tenant: 'fabrikam',
      groups: ['AdminAgents'],
      roles: ['Global Administrator'],
    });
    const token = await graphToken(w, john.upn);
    const res = await callApi(w, 'GET', POLICY, { token });
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'Authentication_MfaRequired');
    assert.equal(
      res.headers
        .get('www-authenticate')
        ?.match(
          /^Bearer error="insufficient_user_authentication", error_description="[^"]+", acr_values="urn:warden:acr:mfa"$/,
        )?.length,
      1,
      res.headers.get('www-authenticate') ?? '',
    );
  });

  it('RFC 9068 §4: only a token for the Graph audience is accepted (a Partner API token is not)', async () => {
    const partnerToken = await userToken(w, 'jane@contoso.example');
    const res = await callApi(w, 'GET', POLICY, { token: partnerToken });
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'InvalidAuthenticationToken');
    const forged = await sign(
      w,
      userClaims(w, 'jane@contoso.example', { aud: GRAPH_API, iss: 'https://elsewhere.example/v2.0' }),
    );
    assert.equal((await callApi(w, 'GET', POLICY, { token: forged })).status, 401);
  });

  it('SPEC §5: the security defaults policy in Graph shape; PATCH isEnabled switches the tenant', async () => {
    const contoso = w.demo.tenants.contoso!.id;
    const read = await callApi(w, 'GET', POLICY, { token: jane });
    assert.equal(read.status, 200);
    assert.equal(
      read.body['@odata.context'],
      `${w.baseUrl}/v1.0/$metadata#policies/identitySecurityDefaultsEnforcementPolicy/$entity`,
    );
    assert.equal(read.body.id, '00000000-0000-0000-0000-000000000005');
    assert.equal(read.body.isEnabled, true);

    const off = await callApi(w, 'PATCH', POLICY, { token: jane, body: { isEnabled: false } });
    assert.equal(off.status, 204);
    assert.equal((await getTenant(w.ctx.db, contoso))?.security_defaults, 0);
    assert.equal((await callApi(w, 'GET', POLICY, { token: jane })).body.isEnabled, false);
    const on = await callApi(w, 'PATCH', POLICY, { token: jane, body: { isEnabled: true } });
    assert.equal(on.status, 204);
    assert.equal((await getTenant(w.ctx.db, contoso))?.security_defaults, 1);
  });

  it('Graph API: bad input gets Request_BadRequest and changes nothing', async () => {
    const contoso = w.demo.tenants.contoso!.id;
    const cases: [unknown, RegExp][] = [
      [{ isEnabled: false, colour: 'red' }, /Invalid property 'colour'/],
      [{ isEnabled: 'no' }, /isEnabled/],
      [{}, /isEnabled/],
    ];
    for (const [body, message] of cases) {
      const res = await callApi(w, 'PATCH', POLICY, { token: jane, body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error.code, 'Request_BadRequest');
      assert.match(res.body.error.message, message);
    }
    const raw = await fetch(`${w.baseUrl}${POLICY}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${jane}`, 'content-type': 'application/json' },
      body: '{"isEnabled":',
    });
    assert.equal(raw.status, 400);
    assert.equal(((await raw.json()) as { error: { code: string } }).error.code, 'Request_BadRequest');
    assert.equal((await getTenant(w.ctx.db, contoso))?.security_defaults, 1);
  });

  it('Entra rules: directory roles decide, read at request time (Security admin yes; Billing admin, agents no; a removed role stops at once)', async () => {
    const skyUser = await makeUser(w, { name: 'sky', roles: ['Security Administrator'], totp: true });
    const sky = await graphToken(w, skyUser.upn);
    assert.equal((await callApi(w, 'GET', POLICY, { token: sky })).status, 200);
    for (const upn of ['bill@contoso.example', 'hal@contoso.example']) {
      const token = await graphToken(w, upn);
      const res = await callApi(w, 'GET', POLICY, { token });
      assert.equal(res.status, 403, upn);
      assert.equal(res.body.error.code, 'Authorization_RequestDenied');
      assert.match(
        res.body.error.message,
        /Global Administrator, Security Administrator, Conditional Access Administrator/,
      );
    }
    await w.ctx.db
      .updateTable('users')
      .set({ directory_roles: '[]' })
      .where('tenant_id', '=', skyUser.tenantId)
      .where('id', '=', skyUser.id)
      .execute();
    assert.equal((await callApi(w, 'GET', POLICY, { token: sky })).status, 403);
    await w.ctx.db
      .updateTable('users')
      .set({ account_enabled: 0, directory_roles: JSON.stringify(['Security Administrator']) })
      .where('tenant_id', '=', skyUser.tenantId)
      .where('id', '=', skyUser.id)
      .execute();
    const disabled = await callApi(w, 'GET', POLICY, { token: sky });
    assert.equal(disabled.status, 401);
    assert.equal(disabled.body.error.code, 'InvalidAuthenticationToken');
  });

  it('Entra rules: app-only tokens need an app role of the operation (Graph application permissions)', async () => {
    const app = await graphAppToken(w);
    const res = await callApi(w, 'GET', POLICY, { token: app });
    assert.equal(res.status, 403);
    assert.equal(res.body.error.code, 'Authorization_RequestDenied');
    assert.match(res.body.error.message, /Policy\.Read\.All, Policy\.ReadWrite\.SecurityDefaults/);
  });
});
