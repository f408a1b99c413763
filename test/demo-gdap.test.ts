import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { listAssignments } from '../src/delegated-admin/access-assignments.ts';
import { listCustomerRelationships } from '../src/delegated-admin/relationships.ts';
import { getCustomer } from '../src/partner-center/customers.ts';
import { startWarden, type TestWarden } from './support/harness.ts';

describe('README: the demo data shows every GDAP state (SPEC §13)', () => {
  let w: TestWarden;
  before(async () => {
    w = await startWarden();
  });
  after(async () => w.stop());

  it('SPEC §13: every customer tenant has a Global Administrator with a TOTP seed in demo.json', () => {
    const customers = Object.values(w.demo.tenants).filter((t) => t.kind === 'customer');
    assert.ok(customers.length >= 3);
    for (const tenant of customers) {
      const admin = w.demo.users[`admin@${tenant.domain}`];
      assert.ok(admin, `admin@${tenant.domain}`);
      assert.equal(admin.tenant, tenant.id);
      assert.deepEqual(admin.roles, ['Global Administrator']);
      assert.equal(typeof admin.totpSeed, 'string');
    }
  });

  it('SPEC §13: Contoso has an active relationship with assignments, one awaiting approval, and a customer still on DAP', async () => {
    const contoso = w.demo.tenants.contoso!.id;
    const woodgrove = await listCustomerRelationships(w.ctx.db, w.demo.tenants.woodgrove!.id);
    const active = woodgrove.filter((r) => r.status === 'active' && r.partnerTenantId === contoso);
    assert.ok(active.length >= 1);
    const assignments = await listAssignments(w.ctx.db, contoso, active[0]!.id);
    assert.ok(assignments.length >= 1);
    assert.ok(assignments.every((a) => a.status === 'active'));
    const adatum = await listCustomerRelationships(w.ctx.db, w.demo.tenants.adatum!.id);
    assert.deepEqual(
      adatum.map((r) => r.status),
      ['approvalPending'],
    );
    const northwind = await getCustomer(w.ctx.db, contoso, w.demo.customers['northwind.example']!);
    assert.equal(northwind?.delegatedAdmin, 'dap');
    const woodgroveCustomer = await getCustomer(w.ctx.db, contoso, w.demo.customers['woodgrove.example']!);
    assert.equal(woodgroveCustomer?.delegatedAdmin, 'none');
  });
});
