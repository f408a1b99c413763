import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { createApplication } from '../src/directory/applications.ts';
import { createCustomer } from '../src/partner-center/customers.ts';
import { DEFAULT_REFRESH_MS } from '../src/sessions/revocation-list.ts';
import { GRAPH_API, PARTNER_API } from '../src/tokens/audiences.ts';
import { grantGdap, graph, terminateGdap } from './support/aobo.ts';
import { USER_ADMIN } from './support/gdap.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { DAY_MS, redeemAt, samConsent, startTravel } from './support/sam.ts';
import { callApi } from './support/tokens.ts';
import { makeUser } from './support/users.ts';

const GRAPH_SCOPE = `${GRAPH_API}/Directory.AccessAsUser.All`;
const PARTNER_SCOPE = `${PARTNER_API}/user_impersonation`;

let made = 0;
/** A new customer of Contoso in the directory, known to the test helpers by `key`. */
async function customerOfContoso(w: TestWarden, key: string) {
  made++;
  const domain = `sam-customer-${made}-${process.pid}.example`;
  const customer = await createCustomer(
    w.ctx.db,
    w.demo.tenants.contoso!.id,
    {
      companyName: `SAM customer ${made}`,
      domain,
      country: 'US',
      profile: {
        email: `it@${domain}`,
        phone: '+1 555 0100',
        addressLine1: '1 Main St',
        city: 'Redmond',
        postalCode: '98052',
        culture: 'en-US',
        language: 'en',
      },
    },
    w.clock.now(),
  );
  w.demo.tenants[key] = { id: customer.id, domain, kind: 'customer', securityDefaults: true };
  return { id: customer.id, domain };
}

/** A fresh Contoso admin agent with an authenticator, consented through the SAM app. */
async function consentedAutomationUser(w: TestWarden) {
  const user = await makeUser(w, { name: 'automation', groups: ['AdminAgents'], totp: true });
  const tokens = await samConsent(w, user.upn);
  return { user, refreshToken: tokens.refresh_token! };
}

describe('SPEC §10, reference §3.1 step 4: one consent, one refresh token, the partner and every customer it has a relationship with', () => {
  let w: TestWarden;
  before(async () => {
    w = await startWarden();
  });
  after(() => w.stop());

  /** A new customer of Contoso in the directory, known to the test helpers by `key`. */
  async function newCustomer(key: string) {
    return customerOfContoso(w, key);
  }

  async function integrationUser() {
    return consentedAutomationUser(w);
  }

  it('reference §3.1 step 4: the partner’s refresh token at a customer’s authority gives an admin-on-behalf-of Graph token, amr kept; the chain goes on at the partner’s authority', async () => {
    const { user, refreshToken } = await integrationUser();
    const customer = await newCustomer('sam-one');
    await grantGdap(w, 'contoso', 'sam-one', [user.upn], [USER_ADMIN]);

    const aobo = await redeemAt(w, customer.domain, refreshToken, GRAPH_SCOPE);
    assert.equal(aobo.status, 200, JSON.stringify(aobo.body));
    const claims = decodeJwt(aobo.body.access_token);
    assert.equal(claims.tid, customer.id);
    assert.equal(claims.aud, GRAPH_API);
    assert.equal(claims.idp, w.issuer('contoso'));
    assert.equal(claims.oid, user.id);
    assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa']);
    assert.deepEqual(claims.wids, [USER_ADMIN]);
    assert.equal((await graph(w, aobo.body.access_token, 'GET', '/users')).status, 200);

    // The chain's newest token is the one the customer's authority returned; it serves the partner too.
    const home = await redeemAt(w, 'contoso.example', aobo.body.refresh_token, PARTNER_SCOPE);
    assert.equal(home.status, 200, JSON.stringify(home.body));
    assert.equal(decodeJwt(home.body.access_token).tid, w.demo.tenants.contoso!.id);
    assert.equal(
      (await callApi(w, 'GET', '/v1/customers?size=5', { token: home.body.access_token })).status,
      200,
    );
  });

  it('SPEC R2: one consent reaches 50 customers in turn, each with its own tenant and roles', async () => {
    const { user, refreshToken } = await integrationUser();
    const customers = [];
    for (let i = 0; i < 50; i++) {
      const key = `sam-fifty-${i}`;
      customers.push(await newCustomer(key));
      await grantGdap(w, 'contoso', key, [user.upn], [USER_ADMIN]);
    }
    let current = refreshToken;
    for (const customer of customers) {
      const answer = await redeemAt(w, customer.id, current, GRAPH_SCOPE);
      assert.equal(answer.status, 200, `${customer.domain}: ${JSON.stringify(answer.body)}`);
      const claims = decodeJwt(answer.body.access_token);
      assert.equal(claims.tid, customer.id);
      assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa']);
      const users = await graph(w, answer.body.access_token, 'GET', '/users?$top=1');
      assert.equal(users.status, 200, customer.domain);
      current = answer.body.refresh_token;
    }
    assert.equal((await redeemAt(w, 'contoso.example', current, PARTNER_SCOPE)).status, 200);
  });

  it('SPEC E3: a customer without a relationship is refused (AADSTS50020), and the refusal does not use the chain up', async () => {
    const { refreshToken } = await integrationUser();
    const unrelated = w.demo.tenants.proseware!; // a customer of Fabrikam, not of Contoso
    const refused = await redeemAt(w, unrelated.id, refreshToken, GRAPH_SCOPE);
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error, 'invalid_grant');
    assert.deepEqual(refused.body.error_codes, [50020]);
    assert.equal((await redeemAt(w, 'contoso.example', refreshToken, PARTNER_SCOPE)).status, 200);
  });

  it('SPEC E3, reference §3.2: once the relationship ends the chain gives that customer nothing (AADSTS50173) and still serves the partner', async () => {
    const { user, refreshToken } = await integrationUser();
    const customer = await newCustomer('sam-ending');
    const gdap = await grantGdap(w, 'contoso', 'sam-ending', [user.upn], [USER_ADMIN]);
    const before = await redeemAt(w, customer.id, refreshToken, GRAPH_SCOPE);
    assert.equal(before.status, 200);
    await terminateGdap(w, 'contoso', gdap.relationshipId);
    const after = await redeemAt(w, customer.id, before.body.refresh_token, GRAPH_SCOPE);
    assert.equal(after.status, 400);
    assert.equal(after.body.access_token, undefined);
    assert.deepEqual(after.body.error_codes, [50173]);
    assert.equal(
      (await redeemAt(w, 'contoso.example', before.body.refresh_token, PARTNER_SCOPE)).status,
      200,
    );
  });

  it('RFC 9700 §4.14.2: a token replayed after the chain moved to a customer revokes the chain everywhere, its AOBO tokens included', async () => {
    const { user, refreshToken } = await integrationUser();
    const customer = await newCustomer('sam-replay');
    await grantGdap(w, 'contoso', 'sam-replay', [user.upn], [USER_ADMIN]);
    const aobo = await redeemAt(w, customer.id, refreshToken, GRAPH_SCOPE);
    assert.equal(aobo.status, 200);
    const replay = await redeemAt(w, 'contoso.example', refreshToken, PARTNER_SCOPE);
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error, 'invalid_grant');
    const newest = await redeemAt(w, customer.id, aobo.body.refresh_token, GRAPH_SCOPE);
    assert.deepEqual(newest.body.error_codes, [50173]);
    w.clock.advance(DEFAULT_REFRESH_MS);
    assert.equal((await graph(w, aobo.body.access_token, 'GET', '/users')).status, 401);
  });

  it('SPEC E3, reference §3.3: another tenant’s multi-tenant app a partner user signed in to gets nothing at the customers’ authorities (no service principal there)', async () => {
    const { user } = await integrationUser();
    const customer = await newCustomer('sam-third-party');
    await grantGdap(w, 'contoso', 'sam-third-party', [user.upn], [USER_ADMIN]);
    const registered = await createApplication(w.ctx.db, w.ctx.secrets, w.demo.tenants.fabrikam!.id, {
      displayName: 'Fabrikam tool',
      clientType: 'confidential',
      multiTenant: true,
      redirectUris: ['http://localhost/'],
      allowedScopes: [`${GRAPH_API}/Directory.AccessAsUser.All`, `${PARTNER_API}/user_impersonation`],
    });
    const app = { clientId: registered.application.id, clientSecret: registered.clientSecret! };
    const tokens = await samConsent(w, user.upn, 'contoso', app);
    const refused = await redeemAt(w, customer.id, tokens.refresh_token!, GRAPH_SCOPE, app);
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error, 'invalid_grant');
    assert.equal(refused.body.access_token, undefined);
    // At the partner's own authority the user consented to it: that stays the partner's business.
    assert.equal(
      (await redeemAt(w, 'contoso.example', tokens.refresh_token!, PARTNER_SCOPE, app)).status,
      200,
    );
  });

  it('SPEC E3: the chain of a single-tenant app stays at its own authority (no customer authority knows the client)', async () => {
    const user = await makeUser(w, { name: 'automation', groups: ['AdminAgents'], totp: true });
    const registered = await createApplication(w.ctx.db, w.ctx.secrets, w.demo.tenants.contoso!.id, {
      displayName: 'Contoso single-tenant tool',
      clientType: 'confidential',
      redirectUris: ['http://localhost/'],
      allowedScopes: [`${GRAPH_API}/Directory.AccessAsUser.All`, `${PARTNER_API}/user_impersonation`],
    });
    const app = { clientId: registered.application.id, clientSecret: registered.clientSecret! };
    await grantGdap(w, 'contoso', 'woodgrove', [user.upn], [USER_ADMIN]);
    const tokens = await samConsent(w, user.upn, 'contoso', app);
    const answer = await redeemAt(w, w.demo.tenants.woodgrove!.id, tokens.refresh_token!, GRAPH_SCOPE, app);
    assert.equal(answer.status, 401);
    assert.equal(answer.body.error, 'invalid_client');
    assert.equal(
      (await redeemAt(w, 'contoso.example', tokens.refresh_token!, PARTNER_SCOPE, app)).status,
      200,
    );
  });
});

describe('SPEC §10: a chain used at a customer’s authority only', () => {
  // Its own Warden: the clocks this test moves by 200 days stay moved, which tokens of other tests
  // (stamped on an unmoved Date) would not survive.
  let w: TestWarden;
  before(async () => {
    w = await startWarden();
  });
  after(() => w.stop());

  it('SPEC §10: a chain used only at a customer’s authority for 200 days still serves the partner (its grant lives on wherever it is renewed)', async (t) => {
    const travel = startTravel(w, t);
    const { user, refreshToken } = await consentedAutomationUser(w);
    const customer = await customerOfContoso(w, 'sam-long');
    const gdap = await grantGdap(w, 'contoso', 'sam-long', [user.upn], [USER_ADMIN]);
    let current = refreshToken;
    for (let day = 50; day <= 200; day += 50) {
      travel(50 * DAY_MS);
      // GDAP relationships last their duration (P30D here): keep this one active as the partner would.
      await w.ctx.db
        .updateTable('delegated_admin_relationships')
        .set({ ends_at: w.clock.now() + 30 * DAY_MS })
        .where('id', '=', gdap.relationshipId)
        .execute();
      const answer = await redeemAt(w, customer.id, current, GRAPH_SCOPE);
      assert.equal(answer.status, 200, `day ${day}: ${JSON.stringify(answer.body)}`);
      current = answer.body.refresh_token;
    }
    const home = await redeemAt(w, 'contoso.example', current, PARTNER_SCOPE);
    assert.equal(home.status, 200, JSON.stringify(home.body));
  });
});
