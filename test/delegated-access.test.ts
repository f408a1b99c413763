import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAssignment } from '../src/delegated-admin/access-assignments.ts';
import { delegatedAccessOf } from '../src/delegated-admin/delegated-access.ts';
import { GDAP_ROLES } from '../src/delegated-admin/gdap-roles.ts';
import { applyEvent, createRelationship, requestAction } from '../src/delegated-admin/relationships.ts';
import { insertGroup, insertMember } from '../src/directory/groups.ts';
import { startWarden, type TestWarden } from './support/harness.ts';

const id = (name: string) => GDAP_ROLES.find((r) => r.displayName === name)!.templateId;
const GA = id('Global Administrator');
const HELPDESK = id('Helpdesk Administrator');
const GLOBAL_READER = id('Global Reader');
const DAY = 24 * 3600 * 1000;

describe('SPEC E3: which roles a partner user holds in a customer tenant (reference §1.10, §2.3)', () => {
  let w: TestWarden;
  let contoso: string;
  const user = (upn: string) => w.demo.users[upn]!.id;
  const rolesIn = async (upn: string, customer: string, now = w.clock.now()) =>
    (
      await delegatedAccessOf(
        w.ctx.db,
        { homeTenantId: contoso, userId: user(upn), customerTenantId: w.demo.tenants[customer]!.id },
        now,
      )
    )?.roleTemplateIds ?? [];
  const by = { tenantId: null, userId: null, appId: null, name: 'test' };
  before(async () => {
    w = await startWarden();
    contoso = w.demo.tenants.contoso!.id;
  });
  after(() => w.stop());

  it('reference §2.3: GDAP roles are the union of the active assignments of the user’s groups; no assignment, no access', async () => {
    // Woodgrove (demo): Jane is in "GDAP User Administrators" on two relationships, Hal in "GDAP Helpdesk".
    assert.deepEqual(
      await rolesIn('jane@contoso.example', 'woodgrove'),
      [id('User Administrator'), GLOBAL_READER, id('Security Administrator')].sort(),
    );
    assert.deepEqual(await rolesIn('hal@contoso.example', 'woodgrove'), [HELPDESK]);
    assert.deepEqual(await rolesIn('sam@contoso.example', 'woodgrove'), []);
    // Adatum: only a request awaiting approval, and no DAP.
    assert.deepEqual(await rolesIn('jane@contoso.example', 'adatum'), []);
  });

  it('reference §1.10: DAP gives AdminAgents Global Administrator and HelpdeskAgents Helpdesk Administrator, and only while the customer has DAP', async () => {
    assert.deepEqual(await rolesIn('jane@contoso.example', 'northwind'), [GA]);
    assert.deepEqual(await rolesIn('hal@contoso.example', 'northwind'), [HELPDESK]);
    assert.deepEqual(await rolesIn('sam@contoso.example', 'northwind'), []);
  });

  it('reference §1.10: GDAP wins over DAP for the same customer, per user; ending the relationship brings DAP back', async () => {
    const northwind = w.demo.tenants.northwind!.id;
    const now = w.clock.now();
    const readers = await insertGroup(w.ctx.db, contoso, 'Northwind readers', now);
    await insertMember(w.ctx.db, contoso, readers.id, user('jane@contoso.example'));
    const rel = await createRelationship(
      w.ctx.db,
      contoso,
      {
        displayName: 'Northwind read-only',
        duration: 'P30D',
        roleTemplateIds: [GLOBAL_READER],
        customerTenantId: northwind,
      },
      now,
      by,
    );
    await requestAction(w.ctx.db, contoso, rel.id, 'lockForApproval', { by }, w.clock.now());
    await applyEvent(
      w.ctx.db,
      { customerTenantId: northwind },
      rel.id,
      { event: 'approve', actor: 'customer', by },
      w.clock.now(),
    );
    await createAssignment(
      w.ctx.db,
      contoso,
      rel.id,
      { groupId: readers.id, roleTemplateIds: [GLOBAL_READER] },
      by,
      w.clock.now(),
    );
    // DAP Global Administrator plus GDAP Global Reader is Global Reader only; Hal keeps DAP's Helpdesk.
    assert.deepEqual(await rolesIn('jane@contoso.example', 'northwind'), [GLOBAL_READER]);
    assert.deepEqual(await rolesIn('hal@contoso.example', 'northwind'), [HELPDESK]);
    // Past its end (before the clock job has run) the relationship gives nothing: DAP again.
    assert.deepEqual(await rolesIn('jane@contoso.example', 'northwind', w.clock.now() + 31 * DAY), [GA]);
    await applyEvent(
      w.ctx.db,
      { partnerTenantId: contoso },
      rel.id,
      { event: 'terminate', actor: 'partner', by },
      w.clock.now(),
    );
    assert.deepEqual(await rolesIn('jane@contoso.example', 'northwind'), [GA]);
  });

  it('SPEC E3: a customer’s own user, a disabled partner user or a user of a non-partner tenant gets no delegated access', async () => {
    const woodgrove = w.demo.tenants.woodgrove!.id;
    const wanda = w.demo.users['admin@woodgrove.example']!.id;
    assert.equal(
      await delegatedAccessOf(
        w.ctx.db,
        { homeTenantId: woodgrove, userId: wanda, customerTenantId: w.demo.tenants.adatum!.id },
        w.clock.now(),
      ),
      undefined,
    );
    await w.ctx.db
      .updateTable('users')
      .set({ account_enabled: 0 })
      .where('id', '=', user('hal@contoso.example'))
      .execute();
    assert.deepEqual(await rolesIn('hal@contoso.example', 'woodgrove'), []);
  });
});
