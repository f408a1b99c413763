import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AUTO_EXTENSION_MS,
  REQUEST_LIFETIME_MS,
  RETENTION_MS,
} from '../src/delegated-admin/relationship-lifecycle.ts';
import { GLOBAL_ADMINISTRATOR_TEMPLATE_ID } from '../src/delegated-admin/relationship-rules.ts';
import {
  applyEvent,
  createRelationship,
  DelegatedAdminError,
  getRelationship,
  listRelationships,
  runDueEvents,
} from '../src/delegated-admin/relationships.ts';
import { startWarden, type TestWarden } from './support/harness.ts';

const DAY = 24 * 3600 * 1000;
const USER_ADMIN = 'fe930be7-5e62-47db-91af-98c3a49a38b1';

/** Asserts that `work` is refused with `code` (a DelegatedAdminError). */
async function refused(work: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(work, (e: unknown) => e instanceof DelegatedAdminError && e.code === code);
}

describe('GDAP relationships in storage (SPEC §13)', () => {
  let w: TestWarden;
  let partner: string;
  let customer: string;
  let other: string;
  let n = 0;
  before(async () => {
    w = await startWarden();
    partner = w.demo.tenants.contoso!.id;
    customer =
      w.demo.tenants.northwind?.id ?? Object.values(w.demo.tenants).find((t) => t.id !== partner)!.id;
    other = Object.values(w.demo.tenants).find((t) => t.id !== partner && t.id !== customer)!.id;
  });
  after(() => w.stop());

  const create = (overrides: Partial<Parameters<typeof createRelationship>[2]> = {}) =>
    createRelationship(
      w.ctx.db,
      partner,
      {
        displayName: `relationship ${++n}`,
        duration: 'P30D',
        autoExtendDuration: 'PT0S',
        roleTemplateIds: [USER_ADMIN],
        customerTenantId: customer,
        ...overrides,
      },
      w.clock.now(),
    );
  const locked = async (overrides: Parameters<typeof create>[0] = {}) => {
    const rel = await create(overrides);
    return (await applyEvent(
      w.ctx.db,
      { partnerTenantId: partner },
      rel.id,
      { event: 'lockForApproval', actor: 'partner' },
      w.clock.now(),
    ))!;
  };
  const approve = (id: string) =>
    applyEvent(
      w.ctx.db,
      { customerTenantId: customer },
      id,
      { event: 'approve', actor: 'customer', approvedBy: 'admin' },
      w.clock.now(),
    );

  it('SPEC §13: created → locked → approved by the customer rests active, ending duration after activation; each change bumps the ETag', async () => {
    const rel = await create();
    assert.deepEqual([rel.status, rel.version], ['created', 1]);
    const pending = (await applyEvent(
      w.ctx.db,
      { partnerTenantId: partner },
      rel.id,
      { event: 'lockForApproval', actor: 'partner', ifVersion: 1 },
      w.clock.now(),
    ))!;
    assert.deepEqual([pending.status, pending.version], ['approvalPending', 2]);
    const active = (await approve(rel.id))!;
    assert.equal(active.status, 'active');
    assert.equal(active.endsAt! - active.activatedAt!, 30 * DAY);
    const stored = await getRelationship(w.ctx.db, { partnerTenantId: partner }, rel.id);
    assert.deepEqual([stored?.status, stored?.version, stored?.approvedBy], ['active', 3, 'admin']);
  });

  it('SPEC §13: each forbidden move is refused with transition_refused and changes nothing', async () => {
    const rel = await create();
    await refused(approve(rel.id), 'not_found'); // not locked yet: a draft the customer does not see
    const pending = await locked();
    await refused(
      applyEvent(
        w.ctx.db,
        { partnerTenantId: partner },
        pending.id,
        { event: 'approve', actor: 'partner' },
        w.clock.now(),
      ),
      'transition_refused',
    );
    await refused(
      applyEvent(
        w.ctx.db,
        { partnerTenantId: partner },
        pending.id,
        { event: 'edit', actor: 'partner' },
        w.clock.now(),
      ),
      'transition_refused',
    );
    // A partner cannot approve its own request by claiming to be the customer.
    await refused(
      applyEvent(
        w.ctx.db,
        { partnerTenantId: partner },
        pending.id,
        { event: 'approve', actor: 'customer' },
        w.clock.now(),
      ),
      'transition_refused',
    );
    const after = await getRelationship(w.ctx.db, { partnerTenantId: partner }, pending.id);
    assert.deepEqual([after?.status, after?.version], ['approvalPending', pending.version]);
  });

  it('Graph §1.1: a stale If-Match version is refused (precondition_failed) and changes nothing', async () => {
    const rel = await create();
    await refused(
      applyEvent(
        w.ctx.db,
        { partnerTenantId: partner },
        rel.id,
        { event: 'lockForApproval', actor: 'partner', ifVersion: 7 },
        w.clock.now(),
      ),
      'precondition_failed',
    );
    assert.equal((await getRelationship(w.ctx.db, { partnerTenantId: partner }, rel.id))?.status, 'created');
  });

  it('Graph §1.2: displayName is unique per partner (conflict), and bad terms are refused before anything is written', async () => {
    await create({ displayName: 'unique name' });
    await refused(create({ displayName: 'unique name' }), 'conflict');
    await refused(create({ duration: 'P3Y' }), 'invalid');
    await refused(
      create({ roleTemplateIds: [GLOBAL_ADMINISTRATOR_TEMPLATE_ID], autoExtendDuration: 'P180D' }),
      'invalid',
    );
    assert.equal(
      (await listRelationships(w.ctx.db, partner)).filter((r) => r.displayName === 'unique name').length,
      1,
    );
  });

  it('SPEC §13: a customer sees and approves only relationships that name it; another customer gets not_found', async () => {
    const pending = await locked();
    await refused(
      applyEvent(
        w.ctx.db,
        { customerTenantId: other },
        pending.id,
        { event: 'approve', actor: 'customer' },
        w.clock.now(),
      ),
      'not_found',
    );
    assert.equal(await getRelationship(w.ctx.db, { customerTenantId: other }, pending.id), undefined);
    assert.equal(
      (await getRelationship(w.ctx.db, { customerTenantId: customer }, pending.id))?.id,
      pending.id,
    );
  });

  it('SPEC §13: an approval and a rejection at the same moment end in one consistent status (the database settles it)', async () => {
    const pending = await locked();
    const results = await Promise.allSettled([
      approve(pending.id),
      applyEvent(
        w.ctx.db,
        { customerTenantId: customer },
        pending.id,
        { event: 'reject', actor: 'customer' },
        w.clock.now(),
      ),
    ]);
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    const stored = await getRelationship(w.ctx.db, { partnerTenantId: partner }, pending.id);
    assert.ok(['active', 'terminated'].includes(stored!.status), stored!.status);
    assert.equal(stored!.version, pending.version + 1);
  });

  it('Graph §1.3: the clock expires an unanswered request after 90 days, ends an active relationship at endDateTime, extends one with P180D, and purges a year later', async () => {
    const pending = await locked();
    const expiring = await locked({ duration: 'P1D' });
    const extending = await locked({ duration: 'P1D', autoExtendDuration: 'P180D' });
    await approve(expiring.id);
    const extended = (await approve(extending.id))!;
    w.clock.advance(1 * DAY);
    await runDueEvents(w.ctx.db, w.clock.now());
    assert.equal(
      (await getRelationship(w.ctx.db, { partnerTenantId: partner }, expiring.id))?.status,
      'expired',
    );
    const after = await getRelationship(w.ctx.db, { partnerTenantId: partner }, extending.id);
    assert.deepEqual([after?.status, after!.endsAt! - extended.endsAt!], ['active', AUTO_EXTENSION_MS]);
    assert.equal(
      await runDueEvents(w.ctx.db, w.clock.now()),
      0,
      'running again changes nothing (idempotent)',
    );

    w.clock.advance(REQUEST_LIFETIME_MS);
    await runDueEvents(w.ctx.db, w.clock.now());
    assert.equal(
      await getRelationship(w.ctx.db, { partnerTenantId: partner }, pending.id),
      undefined,
      'request expired',
    );
    // An expired relationship is never re-activated.
    await refused(approve(expiring.id), 'transition_refused');
    w.clock.advance(RETENTION_MS);
    await runDueEvents(w.ctx.db, w.clock.now());
    assert.equal(
      await getRelationship(w.ctx.db, { partnerTenantId: partner }, expiring.id),
      undefined,
      'purged after a year',
    );
  });
});
