import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { listAuditEvents } from '../src/audit/audit-events.ts';
import {
  DAP_REMOVED_ACTIVITY,
  dapReport,
  proposeGdapFromDap,
  removeDap,
} from '../src/delegated-admin/dap.ts';
import { DAP_TRANSITION_ROLE_IDS } from '../src/delegated-admin/gdap-roles.ts';
import { getRelationship } from '../src/delegated-admin/relationships.ts';
import { createApplication } from '../src/directory/applications.ts';
import { getCustomer } from '../src/partner-center/customers.ts';
import { PARTNER_API } from '../src/tokens/audiences.ts';
import { DAY_MS, makeDapCustomer, recordCrossTenantSignIn } from './support/dap.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { appOnlyToken, callApi, userToken } from './support/tokens.ts';

const removeBody = { allowDelegatedAccess: false, attributes: { objectType: 'Customer' } };

describe('SPEC §13: DAP retired (reference §1.10–1.11)', () => {
  let w: TestWarden;
  let jane: string;
  let contoso: string;
  let fabrikam: string;
  const by = () => ({ tenantId: contoso, userId: null, appId: null, name: 'test' });
  before(async () => {
    w = await startWarden();
    jane = await userToken(w, 'jane@contoso.example');
    contoso = w.demo.tenants.contoso!.id;
    fabrikam = w.demo.tenants.fabrikam!.id;
  });
  after(() => w?.stop());

  it('reference §1.11: the report flags active, inactive over 60 and over 90 days; never used counts from DAP’s start; a cross-tenant sign-in makes it active', async () => {
    const now = w.clock.now();
    const recent = await makeDapCustomer(w, { since: now - 200 * DAY_MS });
    const sixtyOdd = await makeDapCustomer(w, { since: now - 200 * DAY_MS });
    const neverOld = await makeDapCustomer(w, { since: now - 200 * DAY_MS });
    const neverNew = await makeDapCustomer(w, { since: now - 30 * DAY_MS });
    const withoutDap = await makeDapCustomer(w, { since: now - 200 * DAY_MS, delegatedAdmin: 'none' });
    await recordCrossTenantSignIn(w, recent.customerTenantId, contoso, now - 10 * DAY_MS);
    await recordCrossTenantSignIn(w, recent.customerTenantId, contoso, now - 40 * DAY_MS);
    await recordCrossTenantSignIn(w, sixtyOdd.customerTenantId, contoso, now - 75 * DAY_MS);
    // Neither a failed sign-in, nor one by a user of another home tenant, is a use of DAP.
    await recordCrossTenantSignIn(w, neverOld.customerTenantId, contoso, now - DAY_MS, 50126);
    await recordCrossTenantSignIn(w, neverOld.customerTenantId, neverOld.customerTenantId, now - DAY_MS);
    await recordCrossTenantSignIn(w, neverOld.customerTenantId, fabrikam, now - DAY_MS);

    const rowOf = async (at: number, id: string) =>
      (await dapReport(w.ctx.db, contoso, at)).find((r) => r.customerId === id);
    const report = await dapReport(w.ctx.db, contoso, now);
    assert.equal(
      report.find((r) => r.customerId === withoutDap.id),
      undefined,
      'a customer without DAP is not in it',
    );
    assert.ok(report.every((r) => r.customerTenantId !== w.demo.customers['tailspin.example']));
    const r1 = await rowOf(now, recent.id);
    assert.deepEqual([r1?.activity, r1?.daysInactive, r1?.daysEnabled], ['active', 10, 200]);
    assert.equal(r1?.lastUsedAt, now - 10 * DAY_MS);
    const r2 = await rowOf(now, sixtyOdd.id);
    assert.deepEqual([r2?.activity, r2?.daysInactive], ['inactiveOver60Days', 75]);
    const r3 = await rowOf(now, neverOld.id);
    assert.deepEqual([r3?.activity, r3?.daysInactive, r3?.lastUsedAt], ['inactiveOver90Days', 200, null]);
    const r4 = await rowOf(now, neverNew.id);
    assert.deepEqual([r4?.activity, r4?.daysInactive, r4?.lastUsedAt], ['active', 30, null]);

    // The clock moves on: 51 days later the recent one is past 60, 81 days later past 90.
    assert.equal((await rowOf(now + 51 * DAY_MS, recent.id))?.activity, 'inactiveOver60Days');
    assert.equal((await rowOf(now + 81 * DAY_MS, recent.id))?.activity, 'inactiveOver90Days');
    assert.equal((await rowOf(now + 31 * DAY_MS, neverNew.id))?.activity, 'inactiveOver60Days');

    // A partner agent signs in to the long-unused customer: active again.
    await recordCrossTenantSignIn(w, neverOld.customerTenantId, contoso, now);
    const used = await rowOf(now + DAY_MS, neverOld.id);
    assert.deepEqual([used?.activity, used?.daysInactive, used?.lastUsedAt], ['active', 1, now]);

    // The Partner API serves the same rows, in the shape of Microsoft's monitoring API.
    const res = await callApi(w, 'GET', '/v1/delegatedAdminCustomers', { token: jane });
    assert.equal(res.status, 200);
    assert.equal(res.body.attributes.objectType, 'Collection');
    const item = res.body.items.find((i: { id: string }) => i.id === sixtyOdd.id);
    assert.equal(item.customerTenantId, sixtyOdd.customerTenantId);
    assert.equal(item.dapEnabled, true);
    assert.equal(item.activity, 'inactiveOver60Days');
    assert.equal(item.lastSignInDateTime, new Date(now - 75 * DAY_MS).toISOString());
    assert.equal(item.startDateTime, new Date(now - 200 * DAY_MS).toISOString());
    const never = res.body.items.find((i: { id: string }) => i.id === neverNew.id);
    assert.equal(never.lastSignInDateTime, null);
    assert.ok(res.body.items.some((i: { id: string }) => i.id === w.demo.customers['northwind.example']));
    assert.ok(!res.body.items.some((i: { id: string }) => i.id === w.demo.customers['adatum.example']));
    assert.ok(!res.body.items.some((i: { id: string }) => i.id === withoutDap.id));
  });

  it('reference §1.11: a delegated Partner API call into the customer counts as using DAP', async () => {
    const customer = await makeDapCustomer(w, { name: 'Used By Api' });
    const before = (await dapReport(w.ctx.db, contoso, w.clock.now())).find(
      (c) => c.customerId === customer.id,
    );
    assert.equal(before?.lastUsedAt, null);
    const listed = await callApi(w, 'GET', `/v1/customers/${customer.id}/users`, { token: jane });
    assert.equal(listed.status, 200);
    await w.ctx.requestLog.flush();
    const afterCall = (await dapReport(w.ctx.db, contoso, w.clock.now())).find(
      (c) => c.customerId === customer.id,
    );
    assert.equal(typeof afterCall?.lastUsedAt, 'number');
    assert.equal(afterCall?.activity, 'active');
  });

  it('reference §1.11: PATCH /v1/customers/{id} allowDelegatedAccess false removes DAP: 200 with the customer; GET shows false; delegated calls are refused; audit events on both tenants', async () => {
    const customer = await makeDapCustomer(w);
    const path = `/v1/customers/${customer.id}`;
    const before = await callApi(w, 'GET', path, { token: jane });
    assert.equal(before.status, 200);
    assert.equal(before.body.allowDelegatedAccess, true);
    assert.equal(before.body.relationshipToPartner, 'reseller');
    assert.equal((await callApi(w, 'GET', `${path}/users`, { token: jane })).status, 200);

    const removed = await callApi(w, 'PATCH', path, { token: jane, body: removeBody });
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    assert.equal(removed.body.id, customer.id);
    assert.equal(removed.body.allowDelegatedAccess, false);
    assert.equal(removed.body.relationshipToPartner, 'reseller');
    assert.equal(removed.body.attributes.objectType, 'Customer');

    const after = await callApi(w, 'GET', path, { token: jane });
    assert.equal(after.body.allowDelegatedAccess, false);
    const refused = await callApi(w, 'GET', `${path}/users`, { token: jane });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.wardenCode, 'role_required');
    const row = await getCustomer(w.ctx.db, contoso, customer.id);
    assert.equal(row?.delegatedAdmin, 'none');
    assert.ok(row?.dapRemovedAt);

    // Asking again: the state holds already, 200, and no second event.
    const again = await callApi(w, 'PATCH', path, { token: jane, body: { AllowDelegatedAccess: false } });
    assert.equal(again.status, 200);
    assert.equal(again.body.allowDelegatedAccess, false);
    const partnerLog = await listAuditEvents(w.ctx.db, contoso, { targetId: customer.id });
    const customerLog = await listAuditEvents(w.ctx.db, customer.customerTenantId, { targetId: customer.id });
    for (const log of [partnerLog, customerLog]) {
      assert.equal(log.length, 1);
      assert.equal(log[0]!.category, 'DelegatedAdministration');
      assert.equal(log[0]!.activity, DAP_REMOVED_ACTIVITY);
      assert.equal(log[0]!.actor.name, 'jane@contoso.example');
      assert.equal(log[0]!.actor.tenantId, contoso);
    }
    assert.equal(partnerLog[0]!.otherTenantId, customer.customerTenantId);
    assert.equal(customerLog[0]!.otherTenantId, contoso);
    const report = await dapReport(w.ctx.db, contoso, w.clock.now());
    assert.ok(!report.some((r) => r.customerId === customer.id));
  });

  it('reference §1.11: DAP removed for many customers, by PascalCase and camelCase PATCHes at once; concurrent removals of one customer log it once', async () => {
    const customers = await Promise.all([makeDapCustomer(w), makeDapCustomer(w), makeDapCustomer(w)]);
    const bodies = [removeBody, { AllowDelegatedAccess: false, attributes: { objectType: 'Customer' } }];
    const answers = await Promise.all([
      ...customers.map((c, i) =>
        callApi(w, 'PATCH', `/v1/customers/${c.id}`, { token: jane, body: bodies[i % 2] }),
      ),
      callApi(w, 'PATCH', `/v1/customers/${customers[0]!.id}`, { token: jane, body: removeBody }),
    ]);
    assert.deepEqual(
      answers.map((a) => a.status),
      [200, 200, 200, 200],
    );
    for (const c of customers) {
      assert.equal((await getCustomer(w.ctx.db, contoso, c.id))?.delegatedAdmin, 'none');
      const events = await listAuditEvents(w.ctx.db, contoso, { targetId: c.id });
      assert.equal(events.filter((e) => e.activity === DAP_REMOVED_ACTIVITY).length, 1, c.id);
    }
  });

  it('SPEC §13: removeDap for many in one call: the ones with DAP lose it; one without DAP, an unknown one and another partner’s are reported, not lost', async () => {
    const [a, b] = [await makeDapCustomer(w), await makeDapCustomer(w)];
    const noDap = await makeDapCustomer(w, { delegatedAdmin: 'none' });
    const theirs = await makeDapCustomer(w, { partner: 'fabrikam' });
    const unknown = crypto.randomUUID();
    const result = await removeDap(
      w.ctx.db,
      contoso,
      [a.id, noDap.id, unknown, b.id.toUpperCase(), theirs.id, a.id],
      by(),
      w.clock.now(),
    );
    assert.deepEqual(result.removed.map((c) => c.id).sort(), [a.id, b.id].sort());
    assert.deepEqual(
      result.notRemoved.sort((x, y) => x.customerId.localeCompare(y.customerId)),
      [
        { customerId: noDap.id, reason: 'no_dap' },
        { customerId: unknown, reason: 'not_found' },
        { customerId: theirs.id, reason: 'not_found' },
      ].sort((x, y) => x.customerId.localeCompare(y.customerId)),
    );
    assert.equal((await getCustomer(w.ctx.db, fabrikam, theirs.id))?.delegatedAdmin, 'dap');
    assert.equal((await listAuditEvents(w.ctx.db, fabrikam, { targetId: theirs.id })).length, 0);
    assert.equal((await listAuditEvents(w.ctx.db, contoso, { targetId: noDap.id })).length, 0);
  });

  it('SPEC §13: allowDelegatedAccess true is refused with 400 delegated_access_not_offered and changes nothing; malformed bodies are 400 invalid_request', async () => {
    const withDap = await makeDapCustomer(w);
    const withoutDap = await makeDapCustomer(w, { delegatedAdmin: 'none' });
    for (const c of [withDap, withoutDap]) {
      for (const body of [{ allowDelegatedAccess: true }, { AllowDelegatedAccess: true }]) {
        const res = await callApi(w, 'PATCH', `/v1/customers/${c.id}`, { token: jane, body });
        assert.equal(res.status, 400);
        assert.equal(res.body.wardenCode, 'delegated_access_not_offered');
        assert.deepEqual(res.body.data, [c.id]);
      }
    }
    const bad: unknown[] = [
      {},
      { allowDelegatedAccess: 'no' },
      { allowDelegatedAccess: false, AllowDelegatedAccess: true },
      { allowDelegatedAccess: false, relationshipToPartner: 'none' },
      { allowDelegatedAccess: false, attributes: { objectType: 'Subscription' } },
    ];
    for (const body of bad) {
      const res = await callApi(w, 'PATCH', `/v1/customers/${withDap.id}`, { token: jane, body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.wardenCode, 'invalid_request', JSON.stringify(body));
    }
    const missing = await callApi(w, 'PATCH', `/v1/customers/${crypto.randomUUID()}`, {
      token: jane,
      body: removeBody,
    });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.wardenCode, 'not_found');
    assert.equal((await getCustomer(w.ctx.db, contoso, withDap.id))?.delegatedAdmin, 'dap');
    assert.equal((await getCustomer(w.ctx.db, contoso, withoutDap.id))?.delegatedAdmin, 'none');
    assert.equal((await listAuditEvents(w.ctx.db, contoso, { targetId: withDap.id })).length, 0);
  });

  it('SPEC §13: removing DAP and its report are the Admin agents’ (role_required for Helpdesk and Sales agents) and App+User only (app_only_not_allowed)', async () => {
    const customer = await makeDapCustomer(w);
    const { clientSecret } = await createApplication(w.ctx.db, w.ctx.secrets, contoso, {
      id: '0007836d-eeda-4c96-a785-8778e86b7d9c',
      displayName: 'Contoso DAP writer',
      clientType: 'confidential',
      grantedAppRoles: ['Partner.ReadWrite.All'],
      allowedScopes: [`${PARTNER_API}/.default`],
    });
    const appTokens = [
      await appOnlyToken(w),
      await appOnlyToken(w, '0007836d-eeda-4c96-a785-8778e86b7d9c', clientSecret),
    ];
    const calls: [string, string, unknown][] = [
      ['PATCH', `/v1/customers/${customer.id}`, removeBody],
      ['GET', '/v1/delegatedAdminCustomers', undefined],
    ];
    for (const upn of ['hal@contoso.example', 'sam@contoso.example']) {
      const token = await userToken(w, upn);
      for (const [method, path, body] of calls) {
        const res = await callApi(w, method, path, { token, ...(body ? { body } : {}) });
        assert.equal(res.status, 403, `${upn} ${method} ${path}`);
        assert.equal(res.body.wardenCode, 'role_required');
        assert.deepEqual(res.body.data, ['AdminAgents']);
      }
    }
    for (const token of appTokens) {
      for (const [method, path, body] of calls) {
        const res = await callApi(w, method, path, { token, ...(body ? { body } : {}) });
        assert.equal(res.status, 403, `${method} ${path}`);
        assert.equal(res.body.wardenCode, 'app_only_not_allowed');
      }
    }
    assert.equal((await getCustomer(w.ctx.db, contoso, customer.id))?.delegatedAdmin, 'dap');
  });

  it('reference §1.10: a new customer (POST /v1/customers) gets no DAP; the list carries no allowDelegatedAccess (only get-by-id does)', async () => {
    const created = await callApi(w, 'POST', '/v1/customers', {
      token: jane,
      body: {
        companyProfile: { domain: `no-dap-${process.pid}.example` },
        billingProfile: {
          email: 'it@no-dap.example',
          companyName: 'No DAP Ltd',
          defaultAddress: { country: 'US', city: 'Seattle', addressLine1: '1 Main St' },
        },
      },
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.allowDelegatedAccess, false);
    const got = await callApi(w, 'GET', `/v1/customers/${created.body.id}`, { token: jane });
    assert.equal(got.body.allowDelegatedAccess, false);
    assert.equal((await getCustomer(w.ctx.db, contoso, created.body.id))?.delegatedAdmin, 'none');
    const users = await callApi(w, 'GET', `/v1/customers/${created.body.id}/users`, { token: jane });
    assert.equal(users.status, 403);
    assert.equal(users.body.wardenCode, 'role_required');
    assert.ok(
      !(await dapReport(w.ctx.db, contoso, w.clock.now())).some((r) => r.customerId === created.body.id),
    );
    const list = await callApi(w, 'GET', '/v1/customers', { token: jane });
    assert.ok(list.body.items.length > 0);
    assert.ok(list.body.items.every((c: object) => !('allowDelegatedAccess' in c)));
    assert.ok(list.body.items.every((c: { relationshipToPartner: string }) => c.relationshipToPartner));
  });

  it('reference §1.10: move to GDAP proposes an approvalPending relationship with exactly the transition roles, for the customer to approve; DAP stays until removed', async () => {
    const customer = await makeDapCustomer(w, {
      name: 'A Company Whose Name Is Far Too Long For Any Relationship Name',
    });
    const now = w.clock.now();
    const first = await proposeGdapFromDap(w.ctx.db, contoso, customer.id, by(), now, w.baseUrl);
    const r = first.relationship;
    assert.equal(r.status, 'approvalPending');
    assert.deepEqual([...r.roleTemplateIds].sort(), [...DAP_TRANSITION_ROLE_IDS].sort());
    assert.equal(r.roleTemplateIds.length, 9);
    assert.equal(r.customerTenantId, customer.customerTenantId);
    assert.deepEqual([r.duration, r.autoExtendDuration], ['P730D', 'P180D']);
    assert.ok(r.displayName.startsWith('DAP to GDAP: A Company'));
    assert.ok(r.displayName.length <= 50);
    assert.equal(
      first.approvalUrl,
      `${w.baseUrl}/admin/partners/invitation/granularAdminRelationships/${r.id}`,
    );
    assert.equal(
      (await getRelationship(w.ctx.db, { partnerTenantId: contoso }, r.id))?.status,
      'approvalPending',
    );
    assert.equal((await getCustomer(w.ctx.db, contoso, customer.id))?.delegatedAdmin, 'dap');

    // A second proposal gets a name of its own (displayName is unique per partner).
    const second = await proposeGdapFromDap(w.ctx.db, contoso, customer.id, by(), now + 1, w.baseUrl);
    assert.notEqual(second.relationship.displayName, r.displayName);
    assert.ok(second.relationship.displayName.endsWith(' (2)'));
    assert.ok(second.relationship.displayName.length <= 50);

    // The partner's log holds the creation and the lock; the customer's starts with the lock
    // (a draft is the partner's own business).
    for (const [tenant, expected] of [
      [contoso, ['Granular admin relationship created', 'Granular admin relationship locked for approval']],
      [customer.customerTenantId, ['Granular admin relationship locked for approval']],
    ] as const) {
      const activities = (await listAuditEvents(w.ctx.db, tenant, { targetId: r.id })).map((e) => e.activity);
      assert.deepEqual(activities.sort(), expected);
    }
    await assert.rejects(
      proposeGdapFromDap(w.ctx.db, contoso, w.demo.customers['tailspin.example']!, by(), now, w.baseUrl),
      { code: 'not_found' },
    );
  });
});
