import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createAssignment } from '../src/delegated-admin/access-assignments.ts';
import { GDAP_ROLES } from '../src/delegated-admin/gdap-roles.ts';
import { applyEvent, createRelationship, requestAction } from '../src/delegated-admin/relationships.ts';
import { insertGroup, insertMember } from '../src/directory/groups.ts';
import { deleteDirectoryUser } from '../src/directory/user-admin.ts';
import { createUser, getUser } from '../src/directory/users.ts';
import { DELEGATED_ROLES } from '../src/partner-api/delegated-roles.ts';
import { getCustomer } from '../src/partner-center/customers.ts';
import { type LicenseError, skuIdOf, updateUserLicenses } from '../src/partner-center/licenses.ts';
import { placeOrder } from '../src/partner-center/orders.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { appOnlyToken, callApi, sign, userClaims, userToken } from './support/tokens.ts';
import { makeUser } from './support/users.ts';

const by = { tenantId: null, userId: null, appId: null, name: 'test' };
const role = (name: string) => GDAP_ROLES.find((r) => r.displayName === name)!.templateId;
const assignBody = (...skuIds: string[]) => ({
  licensesToAssign: skuIds.map((skuId) => ({ skuId, excludedPlans: null })),
  attributes: { objectType: 'LicenseUpdate' },
});

describe('Partner Center licences in a customer tenant: a licence per subscription seat, within GDAP roles (SPEC E2–E3)', () => {
  let w: TestWarden;
  let jane: string;
  let woodgrove: string; // the customer id (Partner Center's customer-tenant-id path segment)
  let woodgroveTenant: string;
  const path = (rest: string) => `/v1/customers/${woodgrove}${rest}`;
  const member = async (name: string) =>
    (
      await createUser(
        w.ctx.db,
        woodgroveTenant,
        { userPrincipalName: `${name}@woodgrove.example`, displayName: name },
        w.clock.now(),
      )
    ).id;
  const order = async (offerId: string, quantity: number) => {
    const res = await callApi(w, 'POST', path('/orders'), {
      token: jane,
      body: { lineItems: [{ lineItemNumber: 0, offerId, quantity }] },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  };
  before(async () => {
    w = await startWarden();
    jane = await userToken(w, 'jane@contoso.example');
    woodgrove = w.demo.customers['woodgrove.example']!;
    woodgroveTenant = w.demo.tenants.woodgrove!.id;
  });
  after(() => w.stop());

  it('Partner Center SubscribedSku: the customer’s SKUs with their seats; skuId is the stable name-based GUID of the offer', async () => {
    const res = await callApi(w, 'GET', path('/subscribedskus'), { token: jane });
    assert.equal(res.status, 200);
    const prem = res.body.items.find(
      (s: { productSku: { skuPartNumber: string } }) => s.productSku.skuPartNumber === 'WRD-BUS-PREM',
    );
    assert.equal(prem.productSku.id, skuIdOf('WRD-BUS-PREM'));
    assert.match(prem.productSku.id, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(prem.totalUnits, 5);
    assert.equal(prem.consumedUnits, 0);
    assert.equal(prem.attributes.objectType, 'SubscribedSku');
    assert.equal(skuIdOf('WRD-BUS-PREM'), skuIdOf('WRD-BUS-PREM'));
    assert.notEqual(skuIdOf('WRD-BUS-PREM'), skuIdOf('WRD-SEC-E5'));
  });

  it('Partner Center LicenseUpdate: Jane (GDAP User Administrator) assigns a licence, the user’s licences show it, and assigning it again uses no second seat', async () => {
    const tomas = w.demo.users['tomas@woodgrove.example']!.id;
    const sku = skuIdOf('WRD-BUS-PREM');
    const update = await callApi(w, 'POST', path(`/users/${tomas}/licenseupdates`), {
      token: jane,
      body: assignBody(sku),
    });
    assert.equal(update.status, 201, JSON.stringify(update.body));
    assert.equal(update.body.attributes.objectType, 'LicenseUpdate');
    assert.deepEqual(update.body.licensesToAssign, [{ skuId: sku, excludedPlans: null }]);
    const again = await callApi(w, 'POST', path(`/users/${tomas}/licenseupdates`), {
      token: jane,
      body: assignBody(sku.toUpperCase()),
    });
    assert.equal(again.status, 201);
    const licenses = await callApi(w, 'GET', path(`/users/${tomas}/licenses`), { token: jane });
    assert.equal(licenses.status, 200);
    assert.deepEqual(
      licenses.body.items.map((l: { productSku: { id: string } }) => l.productSku.id),
      [sku],
    );
    assert.equal(licenses.body.items[0].attributes.objectType, 'License');
    const skus = await callApi(w, 'GET', path('/subscribedskus'), { token: jane });
    const prem = skus.body.items.find((s: { productSku: { id: string } }) => s.productSku.id === sku);
    assert.equal(prem.consumedUnits, 1);
    assert.equal(prem.availableUnits, 4);
  });

  it('Seats: past the last seat an assignment is 409 license_seats_exhausted and writes nothing; removing a licence frees its seat', async () => {
    await order('WRD-MAIL-1', 1);
    const sku = skuIdOf('WRD-MAIL-1');
    const first = await member('mail.first');
    const second = await member('mail.second');
    assert.equal(
      (
        await callApi(w, 'POST', path(`/users/${first}/licenseupdates`), {
          token: jane,
          body: assignBody(sku),
        })
      ).status,
      201,
    );
    const refused = await callApi(w, 'POST', path(`/users/${second}/licenseupdates`), {
      token: jane,
      body: assignBody(sku),
    });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.wardenCode, 'license_seats_exhausted');
    assert.deepEqual(refused.body.data, [{ skuId: sku, totalUnits: 1, consumedUnits: 1 }]);
    // One update is all or nothing: a free SKU with an exhausted one assigns neither.
    const both = await callApi(w, 'POST', path(`/users/${second}/licenseupdates`), {
      token: jane,
      body: assignBody(skuIdOf('WRD-SEC-E5'), sku),
    });
    assert.equal(both.status, 409);
    const held = await callApi(w, 'GET', path(`/users/${second}/licenses`), { token: jane });
    assert.deepEqual(held.body.items, []);
    const freed = await callApi(w, 'POST', path(`/users/${first}/licenseupdates`), {
      token: jane,
      body: { licensesToRemove: [sku] },
    });
    assert.equal(freed.status, 201);
    assert.equal(
      (
        await callApi(w, 'POST', path(`/users/${second}/licenseupdates`), {
          token: jane,
          body: assignBody(sku),
        })
      ).status,
      201,
    );
  });

  it('Seats under concurrency: twelve simultaneous assignments of a 3-seat SKU to twelve users give exactly three licences (the database settles it)', async () => {
    await order('WRD-BUS-BASIC', 3);
    const sku = skuIdOf('WRD-BUS-BASIC');
    const people = await Promise.all(Array.from({ length: 12 }, (_, i) => member(`race.${i}`)));
    const answers = await Promise.all(
      people.map((id) =>
        callApi(w, 'POST', path(`/users/${id}/licenseupdates`), { token: jane, body: assignBody(sku) }),
      ),
    );
    const statuses = answers.map((a) => a.status).sort();
    assert.deepEqual(
      statuses,
      [201, 201, 201, ...Array(9).fill(409)],
      JSON.stringify(answers.map((a) => a.body)),
    );
    const rows = await w.ctx.db
      .selectFrom('license_assignments')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('tenant_id', '=', woodgroveTenant)
      .where('sku_id', '=', sku)
      .executeTakeFirstOrThrow();
    assert.equal(Number(rows.n), 3);
  });

  it('Seats under concurrency, below HTTP: twenty simultaneous LicenseUpdates of a 3-seat SKU commit exactly three (a row lock on PostgreSQL, the write lock on SQLite)', async () => {
    // Without the lock, PostgreSQL's READ COMMITTED lets several transactions count the same free seat.
    const contoso = w.demo.tenants.contoso!.id;
    const customer = (await getCustomer(w.ctx.db, contoso, woodgrove))!;
    await placeOrder(
      w.ctx.db,
      customer,
      [{ lineItemNumber: 0, offerId: 'WRD-SEC-E5', quantity: 3 }],
      'test',
      w.clock.now(),
    );
    const sku = skuIdOf('WRD-SEC-E5');
    const before = (await callApi(w, 'GET', path('/subscribedskus'), { token: jane })).body.items.find(
      (s: { productSku: { id: string } }) => s.productSku.id === sku,
    );
    const free = before.totalUnits - before.consumedUnits;
    const people = await Promise.all(Array.from({ length: 20 }, (_, i) => member(`lockrace.${i}`)));
    const results = await Promise.allSettled(
      people.map((id) =>
        updateUserLicenses(
          w.ctx.db,
          w.ctx.dbKind,
          woodgroveTenant,
          id,
          { assign: [sku], remove: [] },
          'test',
          w.clock.now(),
        ),
      ),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, free);
    for (const r of results)
      if (r.status === 'rejected') assert.equal((r.reason as LicenseError).code, 'seats_exhausted');
  });

  it('Partner Center LicenseUpdate: an SKU the customer does not subscribe to is 400 sku_not_subscribed; an empty update or excluded plans are 400', async () => {
    const tomas = w.demo.users['tomas@woodgrove.example']!.id;
    const unknown = randomUUID();
    const res = await callApi(w, 'POST', path(`/users/${tomas}/licenseupdates`), {
      token: jane,
      body: assignBody(unknown),
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.wardenCode, 'sku_not_subscribed');
    assert.deepEqual(res.body.data, [{ skuId: unknown }]);
    const empty = await callApi(w, 'POST', path(`/users/${tomas}/licenseupdates`), { token: jane, body: {} });
    assert.equal(empty.status, 400);
    assert.equal(empty.body.wardenCode, 'invalid_request');
    const plans = await callApi(w, 'POST', path(`/users/${tomas}/licenseupdates`), {
      token: jane,
      body: { licensesToAssign: [{ skuId: skuIdOf('WRD-SEC-E5'), excludedPlans: ['x'] }] },
    });
    assert.equal(plans.status, 400);
  });

  it('STYLE 5: a user of another tenant, or of the partner itself, is 404 under this customer; another partner’s customer is 404', async () => {
    const sku = skuIdOf('WRD-SEC-E5');
    for (const upn of ['andrew@northwind.example', 'jane@contoso.example']) {
      const id = w.demo.users[upn]!.id;
      const res = await callApi(w, 'POST', path(`/users/${id}/licenseupdates`), {
        token: jane,
        body: assignBody(sku),
      });
      assert.equal(res.status, 404, upn);
      assert.equal(res.body.wardenCode, 'not_found', upn);
    }
    const tailspin = w.demo.customers['tailspin.example']!;
    const terry = w.demo.users['admin@tailspin.example']!.id;
    const res = await callApi(w, 'GET', `/v1/customers/${tailspin}/users/${terry}/licenses`, { token: jane });
    assert.equal(res.status, 404);
  });

  it('reference §1.10: Hal (Helpdesk Administrator) may neither read nor assign licences (403 delegated_role_required); app-only is refused', async () => {
    const hal = await userToken(w, 'hal@contoso.example');
    const tomas = w.demo.users['tomas@woodgrove.example']!.id;
    const read = await callApi(w, 'GET', path(`/users/${tomas}/licenses`), { token: hal });
    assert.equal(read.status, 403);
    assert.equal(read.body.wardenCode, 'delegated_role_required');
    assert.deepEqual(read.body.data, [...DELEGATED_ROLES['licenses.read']]);
    const write = await callApi(w, 'POST', path(`/users/${tomas}/licenseupdates`), {
      token: hal,
      body: assignBody(skuIdOf('WRD-SEC-E5')),
    });
    assert.equal(write.status, 403);
    assert.deepEqual(write.body.data, [...DELEGATED_ROLES['licenses.assign']]);
    const app = await appOnlyToken(w);
    const appOnly = await callApi(w, 'GET', path('/subscribedskus'), { token: app });
    assert.equal(appOnly.status, 403);
    assert.equal(appOnly.body.wardenCode, 'app_only_not_allowed');
  });

  it('SPEC E3: a GDAP-assigned group member who is no Partner Center agent, holding License Administrator only, assigns licences but creates no user', async () => {
    const contoso = w.demo.tenants.contoso!.id;
    const now = w.clock.now();
    const lic = await makeUser(w, { name: 'licensing', totp: true });
    const group = await insertGroup(w.ctx.db, contoso, 'GDAP Licensing', now);
    await insertMember(w.ctx.db, contoso, group.id, lic.id);
    const rel = await createRelationship(
      w.ctx.db,
      contoso,
      {
        displayName: 'Woodgrove licensing',
        duration: 'P30D',
        roleTemplateIds: [role('License Administrator')],
        customerTenantId: woodgroveTenant,
      },
      now,
      by,
    );
    await requestAction(w.ctx.db, contoso, rel.id, 'lockForApproval', { by }, now);
    await applyEvent(
      w.ctx.db,
      { customerTenantId: woodgroveTenant },
      rel.id,
      { event: 'approve', actor: 'customer', by },
      now,
    );
    await createAssignment(
      w.ctx.db,
      contoso,
      rel.id,
      { groupId: group.id, roleTemplateIds: [role('License Administrator')] },
      by,
      now,
    );
    // Contoso's policy asks this plain member for no MFA at sign-in; its token as Warden issues it after MFA.
    const token = await sign(w, userClaims(w, lic.upn));
    const wanda = w.demo.users['admin@woodgrove.example']!.id;
    const assigned = await callApi(w, 'POST', path(`/users/${wanda}/licenseupdates`), {
      token,
      body: assignBody(skuIdOf('WRD-BUS-PREM')),
    });
    assert.equal(assigned.status, 201, JSON.stringify(assigned.body));
    const skus = await callApi(w, 'GET', path('/subscribedskus'), { token });
    assert.equal(skus.status, 200);
    const create = await callApi(w, 'POST', path('/users'), {
      token,
      body: {
        userPrincipalName: 'x@woodgrove.example',
        displayName: 'X',
        passwordProfile: { password: 'Licensing-Only-42!' },
      },
    });
    assert.equal(create.status, 403);
    assert.equal(create.body.wardenCode, 'delegated_role_required');
  });
  it('Seats: deleting a user gives its licences’ seats back (a deleted user holds no seat) and forgets its usage location', async () => {
    const sku = skuIdOf('WRD-BUS-PREM');
    const consumed = async () =>
      (await callApi(w, 'GET', path('/subscribedskus'), { token: jane })).body.items.find(
        (s: { productSku: { id: string } }) => s.productSku.id === sku,
      ).consumedUnits as number;
    const before = await consumed();
    const leaving = await member('leaving.user');
    await w.ctx.db
      .insertInto('user_usage_locations')
      .values({ tenant_id: woodgroveTenant, user_id: leaving, usage_location: 'US' })
      .execute();
    const assigned = await callApi(w, 'POST', path(`/users/${leaving}/licenseupdates`), {
      token: jane,
      body: assignBody(sku),
    });
    assert.equal(assigned.status, 201, JSON.stringify(assigned.body));
    assert.equal(await consumed(), before + 1);
    await deleteDirectoryUser(w.ctx, undefined, (await getUser(w.ctx.db, woodgroveTenant, leaving))!);
    assert.equal(await consumed(), before);
    const left = await w.ctx.db
      .selectFrom('user_usage_locations')
      .selectAll()
      .where('tenant_id', '=', woodgroveTenant)
      .where('user_id', '=', leaving)
      .execute();
    assert.deepEqual(left, []);
  });
});
