import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { removeDap } from '../src/delegated-admin/dap.ts';
import { applyEvent, listRelationships } from '../src/delegated-admin/relationships.ts';
import { DELEGATED_ROLES } from '../src/partner-api/delegated-roles.ts';
import { ACCESS } from '../src/partner-center/access.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { appOnlyToken, callApi, userToken } from './support/tokens.ts';

const by = { tenantId: null, userId: null, appId: null, name: 'test' };
let made = 0;
const newUser = (domain: string) => ({
  userPrincipalName: `new.user${++made}@${domain}`,
  firstName: 'New',
  lastName: `User ${made}`,
  displayName: `New User ${made}`,
  usageLocation: 'us',
  passwordProfile: { password: 'Delegated-Admin-Works-42!', forceChangePassword: true },
  attributes: { objectType: 'CustomerUser' },
});

describe('SPEC E2–E3: the Partner API acts in a customer tenant only within the roles GDAP or DAP gives there now', () => {
  let w: TestWarden;
  const tokens = new Map<string, string>();
  const customer = (domain: string) => w.demo.customers[domain]!;
  const users = (domain: string) => `/v1/customers/${customer(domain)}/users`;
  before(async () => {
    w = await startWarden();
    for (const name of ['jane', 'hal', 'sam'])
      tokens.set(name, await userToken(w, `${name}@contoso.example`));
  });
  after(() => w.stop());

  it('reference §1.10: Jane (GDAP User Administrator at Woodgrove) lists the customer’s users and creates one, in Partner Center’s CustomerUser shape', async () => {
    const jane = tokens.get('jane')!;
    const list = await callApi(w, 'GET', users('woodgrove.example'), { token: jane });
    assert.equal(list.status, 200);
    assert.equal(list.body.attributes.objectType, 'Collection');
    assert.ok(
      list.body.items.every((u: { userPrincipalName: string }) =>
        u.userPrincipalName.endsWith('@woodgrove.example'),
      ),
    );

    const body = newUser('woodgrove.example');
    const created = await callApi(w, 'POST', users('woodgrove.example'), { token: jane, body });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.userPrincipalName, body.userPrincipalName);
    assert.equal(created.body.firstName, 'New');
    assert.equal(created.body.usageLocation, 'US');
    assert.equal(created.body.state, 'active');
    assert.equal(created.body.attributes.objectType, 'CustomerUser');
    assert.equal(created.body.passwordProfile, undefined, 'the password is never echoed');
    assert.equal(created.headers.get('location'), `${users('woodgrove.example')}/${created.body.id}`);

    const again = await callApi(w, 'GET', users('woodgrove.example'), { token: jane });
    const mine = again.body.items.find((u: { id: string }) => u.id === created.body.id);
    assert.equal(mine.usageLocation, 'US');
    // The user is in the customer's directory, required to change the initial password.
    const row = await w.ctx.db
      .selectFrom('users')
      .select(['tenant_id', 'password_change_required'])
      .where('id', '=', created.body.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.tenant_id, w.demo.tenants.woodgrove!.id);
    assert.equal(row.password_change_required, 1);
  });

  it('SPEC §11, E3: the request log row of a delegated call names the customer tenant and the access it used (GDAP or DAP, roles, relationships)', async () => {
    const row = async (token: string, domain: string) => {
      const correlationId = randomUUID();
      await callApi(w, 'GET', users(domain), { token, headers: { 'ms-correlationid': correlationId } });
      return w.ctx.db
        .selectFrom('request_log')
        .select(['customer_tenant_id', 'delegated_access', 'status_code', 'operation'])
        .where('correlation_id', '=', correlationId)
        .executeTakeFirstOrThrow();
    };
    const gdap = await row(tokens.get('jane')!, 'woodgrove.example');
    assert.equal(gdap.customer_tenant_id, w.demo.tenants.woodgrove!.id);
    assert.equal(gdap.operation, 'customerusers.list');
    const access = JSON.parse(gdap.delegated_access!);
    assert.equal(access.via, 'gdap');
    assert.ok(access.roleTemplateIds.includes(DELEGATED_ROLES['users.create'][1])); // User Administrator
    assert.equal(access.relationshipIds.length, 2);
    const dap = await row(tokens.get('hal')!, 'northwind.example');
    assert.equal(dap.customer_tenant_id, w.demo.tenants.northwind!.id);
    assert.equal(JSON.parse(dap.delegated_access!).via, 'dap');
    const none = await row(tokens.get('sam')!, 'woodgrove.example');
    assert.equal(none.status_code, 403);
    assert.equal(none.customer_tenant_id, null);
  });

  it('Partner Center CreateCustomerUser: a taken UPN is 409 conflict, a UPN outside the customer’s domain or a weak password 400 invalid_request', async () => {
    const jane = tokens.get('jane')!;
    const taken = await callApi(w, 'POST', users('woodgrove.example'), {
      token: jane,
      body: { ...newUser('woodgrove.example'), userPrincipalName: 'tomas@woodgrove.example' },
    });
    assert.equal(taken.status, 409);
    assert.equal(taken.body.wardenCode, 'conflict');
    const foreign = await callApi(w, 'POST', users('woodgrove.example'), {
      token: jane,
      body: newUser('contoso.example'),
    });
    assert.equal(foreign.status, 400);
    assert.equal(foreign.body.wardenCode, 'invalid_request');
    const weak = await callApi(w, 'POST', users('woodgrove.example'), {
      token: jane,
      body: { ...newUser('woodgrove.example'), passwordProfile: { password: 'short' } },
    });
    assert.equal(weak.status, 400);
    assert.equal(weak.body.wardenCode, 'invalid_request');
    const unknownField = await callApi(w, 'POST', users('woodgrove.example'), {
      token: jane,
      body: { ...newUser('woodgrove.example'), directoryRoles: ['Global Administrator'] },
    });
    assert.equal(unknownField.status, 400);
  });

  it('reference §1.10: Hal (GDAP Helpdesk Administrator only) reads Woodgrove’s users but cannot create one: 403 delegated_role_required naming the roles that would do', async () => {
    const hal = tokens.get('hal')!;
    assert.equal((await callApi(w, 'GET', users('woodgrove.example'), { token: hal })).status, 200);
    const refused = await callApi(w, 'POST', users('woodgrove.example'), {
      token: hal,
      body: newUser('woodgrove.example'),
    });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.wardenCode, 'delegated_role_required');
    assert.deepEqual(refused.body.data, [...DELEGATED_ROLES['users.create']]);
    const count = await w.ctx.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_principal_name', '=', `new.user${made}@woodgrove.example`)
      .executeTakeFirstOrThrow();
    assert.equal(Number(count.n), 0, 'nothing was written');
  });

  it('SPEC E3: Sam (no GDAP assignment, no agent group) is refused at Woodgrove; Jane is refused at Adatum (a request awaiting approval is no access)', async () => {
    const sam = await callApi(w, 'GET', users('woodgrove.example'), { token: tokens.get('sam')! });
    assert.equal(sam.status, 403);
    assert.equal(sam.body.wardenCode, 'role_required');
    assert.deepEqual(sam.body.data, [...DELEGATED_ROLES['users.read']]);
    for (const method of ['GET', 'POST'] as const) {
      const jane = await callApi(w, method, users('adatum.example'), {
        token: tokens.get('jane')!,
        ...(method === 'POST' ? { body: newUser('adatum.example') } : {}),
      });
      assert.equal(jane.status, 403, method);
      assert.equal(jane.body.wardenCode, 'role_required', method);
    }
  });

  it('SPEC E2: app-only tokens never act in a customer tenant (403 app_only_not_allowed)', async () => {
    const app = await appOnlyToken(w);
    const res = await callApi(w, 'POST', users('woodgrove.example'), {
      token: app,
      body: newUser('woodgrove.example'),
    });
    assert.equal(res.status, 403);
    assert.equal(res.body.wardenCode, 'app_only_not_allowed');
  });

  it('STYLE 5: a customer of another partner is 404 not_found for creating users too; a malformed id is 400', async () => {
    const res = await callApi(w, 'POST', users('tailspin.example'), {
      token: tokens.get('jane')!,
      body: newUser('tailspin.example'),
    });
    assert.equal(res.status, 404);
    assert.equal(res.body.wardenCode, 'not_found');
    const bad = await callApi(w, 'GET', '/v1/customers/not-a-guid/users', { token: tokens.get('jane')! });
    assert.equal(bad.status, 400);
  });

  it('reference §1.10: DAP still works at Northwind (Jane as Admin agent holds Global Administrator there) and stops at the next call after removeDap', async () => {
    const jane = tokens.get('jane')!;
    const created = await callApi(w, 'POST', users('northwind.example'), {
      token: jane,
      body: newUser('northwind.example'),
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const contoso = w.demo.tenants.contoso!.id;
    const removed = await removeDap(w.ctx.db, contoso, [customer('northwind.example')], by, w.clock.now());
    assert.equal(removed.removed.length, 1);
    for (const name of ['jane', 'hal']) {
      const res = await callApi(w, 'GET', users('northwind.example'), { token: tokens.get(name)! });
      assert.equal(res.status, 403, name);
      assert.equal(res.body.wardenCode, 'role_required', name);
      // No DAP any more: only a GDAP assignment could give access, so data names the Entra roles.
      assert.notDeepEqual(res.body.data, [...ACCESS['user-management']], name);
    }
  });

  it('SPEC E3: the customer terminating a relationship refuses the next call at once, to exactly the roles that remain', async () => {
    const woodgrove = w.demo.tenants.woodgrove!.id;
    const contoso = w.demo.tenants.contoso!.id;
    const rels = await listRelationships(w.ctx.db, contoso, {
      customerTenantId: woodgrove,
      status: 'active',
    });
    const managed = rels.find((r) => r.displayName === 'Contoso managed services')!;
    const review = rels.find((r) => r.displayName === 'Contoso security review')!;
    const jane = tokens.get('jane')!;
    assert.equal((await callApi(w, 'GET', users('woodgrove.example'), { token: jane })).status, 200);
    await applyEvent(
      w.ctx.db,
      { customerTenantId: woodgrove },
      managed.id,
      { event: 'terminate', actor: 'customer', by },
      w.clock.now(),
    );
    // Jane keeps Security Administrator (the review relationship), which reads no users.
    const janeNow = await callApi(w, 'GET', users('woodgrove.example'), { token: jane });
    assert.equal(janeNow.status, 403);
    assert.equal(janeNow.body.wardenCode, 'delegated_role_required');
    // Hal held Helpdesk Administrator through the terminated relationship only.
    const halNow = await callApi(w, 'GET', users('woodgrove.example'), { token: tokens.get('hal')! });
    assert.equal(halNow.status, 403);
    assert.equal(halNow.body.wardenCode, 'role_required');
    await applyEvent(
      w.ctx.db,
      { customerTenantId: woodgrove },
      review.id,
      { event: 'terminate', actor: 'customer', by },
      w.clock.now(),
    );
    const janeLast = await callApi(w, 'GET', users('woodgrove.example'), { token: jane });
    assert.equal(janeLast.status, 403);
    assert.equal(janeLast.body.wardenCode, 'role_required');
  });
});
