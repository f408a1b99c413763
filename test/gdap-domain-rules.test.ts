import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { listAuditEvents } from '../src/audit/audit-events.ts';
import {
  createAssignment,
  deleteAssignment,
  listAssignments,
  updateAssignment,
} from '../src/delegated-admin/access-assignments.ts';
import { runGdapClock } from '../src/delegated-admin/clock-job.ts';
import { REQUEST_LIFETIME_MS } from '../src/delegated-admin/relationship-lifecycle.ts';
import {
  AUDIT_CATEGORY,
  applyEvent,
  createRelationship,
  DelegatedAdminError,
  getRelationship,
  getRelationshipForApproval,
  listCustomerRelationships,
  requestAction,
} from '../src/delegated-admin/relationships.ts';
import { insertGroup } from '../src/directory/groups.ts';
import { startWarden, type TestWarden } from './support/harness.ts';

const DAY = 24 * 3600 * 1000;
const USER_ADMIN = 'fe930be7-5e62-47db-91af-98c3a49a38b1';
const HELPDESK = '729827e3-9c14-49f7-bb1b-9608f156bbb8';
const SECURITY = '194ae4cb-b126-40b2-bd5b-6091b380977d';

async function refused(work: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(work, (e: unknown) => e instanceof DelegatedAdminError && e.code === code);
}

describe('GDAP rules of the domain (SPEC §13; reference §1.2–1.5)', () => {
  let w: TestWarden;
  let partner: string;
  let otherPartner: string;
  let customer: string;
  let strangerCustomer: string;
  let n = 0;
  const by = { tenantId: null, userId: null, appId: null, name: 'test' };
  before(async () => {
    w = await startWarden();
    partner = w.demo.tenants.contoso!.id;
    otherPartner = w.demo.tenants.fabrikam!.id;
    customer = w.demo.tenants.northwind!.id;
    strangerCustomer = w.demo.tenants.tailspin!.id; // Fabrikam's customer, not Contoso's
  });
  after(() => w.stop());

  const pending = async (customerTenantId?: string) => {
    const rel = await createRelationship(
      w.ctx.db,
      partner,
      {
        displayName: `rules ${++n}`,
        duration: 'P30D',
        roleTemplateIds: [USER_ADMIN, HELPDESK],
        ...(customerTenantId ? { customerTenantId } : {}),
      },
      w.clock.now(),
      by,
    );
    return (await requestAction(w.ctx.db, partner, rel.id, 'lockForApproval', { by }, w.clock.now()))
      .relationship;
  };
  const approve = (tenant: string, id: string, now = w.clock.now()) =>
    applyEvent(w.ctx.db, { customerTenantId: tenant }, id, { event: 'approve', actor: 'customer', by }, now);

  it('reference §1.2: a relationship names only one of the partner’s own customers', async () => {
    await refused(
      createRelationship(
        w.ctx.db,
        partner,
        {
          displayName: `rules ${++n}`,
          duration: 'P1D',
          roleTemplateIds: [USER_ADMIN],
          customerTenantId: strangerCustomer,
        },
        w.clock.now(),
      ),
      'invalid',
    );
  });

  it('reference §1.2: a request naming no customer is seen and answered only by the partner’s customers, and is bound to the one that approves', async () => {
    const open = await pending();
    assert.equal(await getRelationshipForApproval(w.ctx.db, strangerCustomer, open.id), undefined);
    await refused(approve(strangerCustomer, open.id), 'not_found');
    const approved = await approve(customer, open.id);
    assert.equal(approved?.status, 'active');
    assert.equal(approved?.customerTenantId, customer);
    assert.equal(
      (await getRelationship(w.ctx.db, { customerTenantId: customer }, open.id))?.status,
      'active',
    );
  });

  it('reference §1.3: a request is not approvable after 90 days, even before the clock removes it', async () => {
    const rel = await pending(customer);
    await refused(approve(customer, rel.id, w.clock.now() + REQUEST_LIFETIME_MS), 'transition_refused');
    assert.equal(
      (await getRelationship(w.ctx.db, { partnerTenantId: partner }, rel.id))?.status,
      'approvalPending',
    );
  });

  it('reference §1.5: an assignment is one security group of the partner’s tenant, with roles from the relationship’s; pending, then active', async () => {
    const rel = await pending(customer);
    const now = w.clock.now();
    const group = await insertGroup(w.ctx.db, partner, `gdap group ${n}`, now);
    const foreign = await insertGroup(w.ctx.db, otherPartner, `foreign group ${n}`, now);
    // Not before the relationship is active.
    await refused(
      createAssignment(
        w.ctx.db,
        partner,
        rel.id,
        { groupId: group.id, roleTemplateIds: [USER_ADMIN] },
        by,
        now,
      ),
      'transition_refused',
    );
    await approve(customer, rel.id);
    await refused(
      createAssignment(
        w.ctx.db,
        partner,
        rel.id,
        { groupId: foreign.id, roleTemplateIds: [USER_ADMIN] },
        by,
        now,
      ),
      'invalid',
    );
    await refused(
      createAssignment(
        w.ctx.db,
        partner,
        rel.id,
        { groupId: group.id, roleTemplateIds: [SECURITY] },
        by,
        now,
      ),
      'invalid',
    );
    const created = await createAssignment(
      w.ctx.db,
      partner,
      rel.id,
      { groupId: group.id, roleTemplateIds: [USER_ADMIN] },
      by,
      w.clock.now(),
    );
    assert.equal(created.status, 'pending');
    await refused(
      createAssignment(
        w.ctx.db,
        partner,
        rel.id,
        { groupId: group.id, roleTemplateIds: [HELPDESK] },
        by,
        now,
      ),
      'conflict',
    );
    const [stored] = await listAssignments(w.ctx.db, partner, rel.id);
    assert.equal(stored?.status, 'active');
    // Another partner cannot see or change it.
    assert.deepEqual(await listAssignments(w.ctx.db, otherPartner, rel.id), []);
    const same = await updateAssignment(
      w.ctx.db,
      partner,
      rel.id,
      stored!.id,
      { roleTemplateIds: [USER_ADMIN], ifVersion: stored!.version },
      by,
      w.clock.now(),
    );
    assert.equal(same.changed, false);
    await refused(
      updateAssignment(
        w.ctx.db,
        partner,
        rel.id,
        stored!.id,
        { roleTemplateIds: [HELPDESK], ifVersion: stored!.version + 7 },
        by,
        w.clock.now(),
      ),
      'precondition_failed',
    );
    const changed = await updateAssignment(
      w.ctx.db,
      partner,
      rel.id,
      stored!.id,
      { roleTemplateIds: [USER_ADMIN, HELPDESK], ifVersion: stored!.version },
      by,
      w.clock.now(),
    );
    assert.equal(changed.changed, true);
    assert.equal(changed.changed && changed.operation.status, 'succeeded');
    await deleteAssignment(w.ctx.db, partner, rel.id, stored!.id, {}, by, w.clock.now());
    assert.deepEqual(await listAssignments(w.ctx.db, partner, rel.id), []);
  });

  it('reference §1.9: at the end of a relationship its assignments are deleted, so the groups lose access at once', async () => {
    const rel = await pending(customer);
    await approve(customer, rel.id);
    const group = await insertGroup(w.ctx.db, partner, `ending group ${n}`, w.clock.now());
    await createAssignment(
      w.ctx.db,
      partner,
      rel.id,
      { groupId: group.id, roleTemplateIds: [HELPDESK] },
      by,
      w.clock.now(),
    );
    await runGdapClock(w.ctx.db, w.clock.now() + 31 * DAY);
    assert.equal((await getRelationship(w.ctx.db, { partnerTenantId: partner }, rel.id))?.status, 'expired');
    assert.deepEqual(
      (await listAssignments(w.ctx.db, partner, rel.id)).map((a) => a.status),
      ['deleted'],
    );
  });

  it('SPEC §13: a group assigned while the relationship is being terminated is refused, never left assigned on the ended relationship (the database settles the race)', async () => {
    const rel = await pending(customer);
    await approve(customer, rel.id);
    const group = await insertGroup(w.ctx.db, partner, `racing group ${n}`, w.clock.now());
    let assigning: Promise<unknown> | undefined;
    // The terminate is written but not yet committed while the assignment is asked for.
    await w.ctx.db.transaction().execute(async (trx) => {
      await applyEvent(
        trx,
        { partnerTenantId: partner },
        rel.id,
        { event: 'terminate', actor: 'partner', by },
        w.clock.now(),
      );
      assigning = createAssignment(
        w.ctx.db,
        partner,
        rel.id,
        { groupId: group.id, roleTemplateIds: [HELPDESK] },
        by,
        w.clock.now(),
      ).then(
        () => 'assigned',
        (error: unknown) => error,
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
    });
    const outcome = await assigning;
    assert.ok(
      outcome instanceof DelegatedAdminError && outcome.code === 'transition_refused',
      `expected transition_refused, got ${String(outcome)}`,
    );
    assert.equal(
      (await getRelationship(w.ctx.db, { partnerTenantId: partner }, rel.id))?.status,
      'terminated',
    );
    assert.deepEqual(
      (await listAssignments(w.ctx.db, partner, rel.id)).filter((a) => a.status !== 'deleted'),
      [],
    );
  });

  it('SPEC §13: approving and terminating are written to the audit logs of both tenants', async () => {
    const rel = await pending(customer);
    await approve(customer, rel.id);
    await applyEvent(
      w.ctx.db,
      { customerTenantId: customer },
      rel.id,
      { event: 'terminate', actor: 'customer', by },
      w.clock.now(),
    );
    for (const tenant of [partner, customer]) {
      const events = await listAuditEvents(w.ctx.db, tenant, { category: AUDIT_CATEGORY, targetId: rel.id });
      const activities = events.map((e) => e.activity);
      assert.ok(activities.includes('Granular admin relationship approved'), tenant);
      assert.ok(activities.includes('Granular admin relationship terminated'), tenant);
    }
    assert.deepEqual(await listAuditEvents(w.ctx.db, strangerCustomer, { targetId: rel.id }), []);
  });

  it('SPEC §13: a partner’s draft (created, not locked) is neither seen by the customer nor written to its audit log', async () => {
    const draft = await createRelationship(
      w.ctx.db,
      partner,
      {
        displayName: `draft ${++n}`,
        duration: 'P30D',
        roleTemplateIds: [USER_ADMIN],
        customerTenantId: customer,
      },
      w.clock.now(),
      by,
    );
    assert.equal(await getRelationship(w.ctx.db, { customerTenantId: customer }, draft.id), undefined);
    assert.equal(await getRelationshipForApproval(w.ctx.db, customer, draft.id), undefined);
    assert.ok(!(await listCustomerRelationships(w.ctx.db, customer)).some((r) => r.id === draft.id));
    assert.deepEqual(await listAuditEvents(w.ctx.db, customer, { targetId: draft.id }), []);
    assert.equal((await listAuditEvents(w.ctx.db, partner, { targetId: draft.id })).length, 1);
    // Once locked it reaches the customer, and its log.
    await requestAction(w.ctx.db, partner, draft.id, 'lockForApproval', { by }, w.clock.now());
    assert.equal((await getRelationshipForApproval(w.ctx.db, customer, draft.id))?.status, 'approvalPending');
    assert.equal((await listAuditEvents(w.ctx.db, customer, { targetId: draft.id })).length, 1);
  });

  it('reference §1.3: a request past its 90 days cannot be rejected either; it stays for the clock to remove', async () => {
    const rel = await pending(customer);
    await refused(
      applyEvent(
        w.ctx.db,
        { customerTenantId: customer },
        rel.id,
        { event: 'reject', actor: 'customer', by },
        w.clock.now() + REQUEST_LIFETIME_MS,
      ),
      'transition_refused',
    );
    await runGdapClock(w.ctx.db, w.clock.now() + REQUEST_LIFETIME_MS);
    assert.equal(await getRelationship(w.ctx.db, { partnerTenantId: partner }, rel.id), undefined);
  });
});
