import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Actor,
  AUTO_EXTENSION_MS,
  dueEvent,
  LIFECYCLE,
  RELATIONSHIP_EVENTS,
  RELATIONSHIP_STATUSES,
  REQUEST_LIFETIME_MS,
  RETENTION_MS,
  type RelationshipEvent,
  type RelationshipStatus,
  settle,
  type TimedRelationship,
  transition,
} from '../src/delegated-admin/relationship-lifecycle.ts';
import {
  durationMs,
  GLOBAL_ADMINISTRATOR_TEMPLATE_ID,
  relationshipTermsProblem,
} from '../src/delegated-admin/relationship-rules.ts';

const DAY = 24 * 3600 * 1000;
const ACTORS: Actor[] = ['partner', 'customer', 'system'];

/*
 * Every allowed move, written from the reference (partner-center-gdap-sam.md §1.2–§1.4, §1.8),
 * not read from the code: "status event actor → destination". Everything else must be refused.
 */
const ALLOWED = new Map<string, string>([
  ['created edit partner', 'created'],
  ['created editAutoExtend partner', 'created'],
  ['created delete partner', 'removed'],
  ['created lockForApproval partner', 'approvalPending'],
  ['approvalPending approve customer', 'approved'],
  ['approvalPending reject customer', 'terminated'],
  ['approvalPending requestExpired system', 'removed'],
  ['approved provision system', 'activating'],
  ['activating activate system', 'active'],
  ['active editAutoExtend partner', 'active'],
  ['active terminate partner', 'terminationRequested'],
  ['active terminate customer', 'terminationRequested'],
  ['active endReached system', 'expiring'],
  ['active autoExtend system', 'active'],
  ['expiring finishExpiry system', 'expired'],
  ['expired purge system', 'removed'],
  ['terminationRequested deprovision system', 'terminating'],
  ['terminating finishTermination system', 'terminated'],
  ['terminated purge system', 'removed'],
]);

describe('GDAP relationship lifecycle (SPEC §13, E3; Graph delegatedAdminRelationship)', () => {
  it('Graph delegatedAdminRelationship: the table has exactly the statuses Graph defines (unknownFutureValue aside)', () => {
    assert.deepEqual([...RELATIONSHIP_STATUSES].sort(), [
      'activating',
      'active',
      'approvalPending',
      'approved',
      'created',
      'expired',
      'expiring',
      'terminated',
      'terminating',
      'terminationRequested',
    ]);
    assert.deepEqual(Object.keys(LIFECYCLE).sort(), [...RELATIONSHIP_STATUSES].sort());
  });

  it('SPEC §13: every status × event × actor is allowed exactly as the reference says, and refused otherwise', () => {
    let checked = 0;
    for (const status of RELATIONSHIP_STATUSES) {
      for (const event of RELATIONSHIP_EVENTS) {
        for (const actor of ACTORS) {
          const expected = ALLOWED.get(`${status} ${event} ${actor}`);
          const result = transition(status, event, actor);
          const name = `${status} --${event} by ${actor}-->`;
          if (expected) assert.deepEqual(result, { ok: true, to: expected }, name);
          else assert.equal(result.ok, false, name);
          checked += 1;
        }
      }
    }
    assert.equal(checked, RELATIONSHIP_STATUSES.length * RELATIONSHIP_EVENTS.length * ACTORS.length);
  });

  it('SPEC §13: a refusal says whether the status or the actor was wrong, and where the event is allowed', () => {
    assert.deepEqual(transition('active', 'edit', 'partner'), {
      ok: false,
      refusal: 'not_allowed_in_status',
      allowedIn: ['created'],
    });
    assert.deepEqual(transition('approvalPending', 'approve', 'partner'), {
      ok: false,
      refusal: 'not_allowed_for_actor',
      allowedIn: ['approvalPending'],
    });
    assert.equal(
      transition('created', 'toString' as RelationshipEvent, 'partner').ok,
      false,
      'no inherited keys',
    );
  });

  it('Graph §1.3: an expired relationship is never re-activated: no event leads out of expired but the purge', () => {
    for (const event of RELATIONSHIP_EVENTS) {
      for (const actor of ACTORS) {
        const result = transition('expired', event, actor);
        if (result.ok) assert.deepEqual([event, result.to], ['purge', 'removed']);
      }
    }
  });

  it('SPEC §13: Warden finishes its own steps at once: approved → activating → active; a termination and an expiry end where they rest', () => {
    assert.deepEqual(settle('approved'), ['approved', 'activating', 'active']);
    assert.deepEqual(settle('terminationRequested'), ['terminationRequested', 'terminating', 'terminated']);
    assert.deepEqual(settle('expiring'), ['expiring', 'expired']);
    assert.deepEqual(settle('approvalPending'), ['approvalPending']);
  });

  const base: TimedRelationship = {
    status: 'active',
    lockedAt: null,
    endsAt: null,
    endedAt: null,
    autoExtendMs: 0,
    includesGlobalAdministrator: false,
  };
  const at = (status: RelationshipStatus, fields: Partial<TimedRelationship>) => ({
    ...base,
    status,
    ...fields,
  });
  const T = Date.UTC(2026, 11, 1);

  it('Graph §1.3: a request nobody answers is removed after 90 days, not a moment before', () => {
    const pending = at('approvalPending', { lockedAt: T });
    assert.equal(dueEvent(pending, T + REQUEST_LIFETIME_MS - 1), undefined);
    assert.equal(dueEvent(pending, T + REQUEST_LIFETIME_MS), 'requestExpired');
    assert.equal(REQUEST_LIFETIME_MS, 90 * DAY);
  });

  it('Graph §1.3: at endDateTime an active relationship expires, or with P180D and no Global Administrator is extended by 180 days', () => {
    assert.equal(dueEvent(at('active', { endsAt: T }), T - 1), undefined);
    assert.equal(dueEvent(at('active', { endsAt: T }), T), 'endReached');
    assert.equal(dueEvent(at('active', { endsAt: T, autoExtendMs: AUTO_EXTENSION_MS }), T), 'autoExtend');
    assert.equal(
      dueEvent(
        at('active', { endsAt: T, autoExtendMs: AUTO_EXTENSION_MS, includesGlobalAdministrator: true }),
        T,
      ),
      'endReached',
      'Partner Center never auto-extends a relationship with Global Administrator',
    );
    assert.equal(AUTO_EXTENSION_MS, 180 * DAY);
  });

  it('Graph §1.3: expired and terminated relationships are purged a year after they ended; other statuses wait for no clock', () => {
    for (const status of ['expired', 'terminated'] as const) {
      assert.equal(dueEvent(at(status, { endedAt: T }), T + RETENTION_MS - 1), undefined);
      assert.equal(dueEvent(at(status, { endedAt: T }), T + RETENTION_MS), 'purge');
    }
    for (const status of [
      'created',
      'approved',
      'activating',
      'expiring',
      'terminationRequested',
      'terminating',
    ] as const) {
      assert.equal(
        dueEvent(at(status, { lockedAt: T, endsAt: T, endedAt: T }), T + 10 * RETENTION_MS),
        undefined,
        status,
      );
    }
  });

  it('Graph §1.2: every time-driven event the clock can ask for is one the table allows to the system', () => {
    for (const [status, event] of [
      ['approvalPending', 'requestExpired'],
      ['active', 'endReached'],
      ['active', 'autoExtend'],
      ['expired', 'purge'],
      ['terminated', 'purge'],
    ] as const) {
      assert.equal(transition(status, event, 'system').ok, true, `${status} ${event}`);
    }
  });
});

describe('GDAP relationship terms (Graph delegatedAdminRelationship §1.2)', () => {
  const USER_ADMIN = 'fe930be7-5e62-47db-91af-98c3a49a38b1';
  const terms = (overrides: Partial<Parameters<typeof relationshipTermsProblem>[0]> = {}) => ({
    displayName: 'Contoso helpdesk',
    duration: 'P730D',
    autoExtendDuration: 'P180D',
    roleTemplateIds: [USER_ADMIN],
    ...overrides,
  });

  it('Graph §1.2: durations are ISO 8601, from P1D to P2Y; months and time parts are refused', () => {
    assert.equal(durationMs('P1D'), DAY);
    assert.equal(durationMs('P2Y'), 730 * DAY);
    assert.equal(durationMs('P4W'), 28 * DAY);
    assert.equal(durationMs('PT0S'), 0);
    assert.equal(durationMs('P1M'), undefined);
    assert.equal(durationMs('P1DT2H'), undefined);
    assert.equal(durationMs('730'), undefined);
    assert.equal(relationshipTermsProblem(terms({ duration: 'P731D' }))?.code, 'invalid_duration');
    assert.equal(relationshipTermsProblem(terms({ duration: 'P3Y' }))?.code, 'invalid_duration');
    assert.equal(relationshipTermsProblem(terms({ duration: 'P0D' }))?.code, 'invalid_duration');
    assert.equal(relationshipTermsProblem(terms({ duration: 'P1D' })), undefined);
    assert.equal(relationshipTermsProblem(terms({ duration: 'P2Y' })), undefined);
  });

  it('Graph §1.2: displayName is 1 to 50 characters; autoExtendDuration is PT0S, P0D or P180D', () => {
    assert.equal(
      relationshipTermsProblem(terms({ displayName: 'x'.repeat(51) }))?.code,
      'invalid_display_name',
    );
    assert.equal(relationshipTermsProblem(terms({ displayName: '   ' }))?.code, 'invalid_display_name');
    assert.equal(relationshipTermsProblem(terms({ displayName: 'x'.repeat(50) })), undefined);
    for (const value of ['PT0S', 'P0D', 'P180D']) {
      assert.equal(relationshipTermsProblem(terms({ autoExtendDuration: value })), undefined, value);
    }
    assert.equal(
      relationshipTermsProblem(terms({ autoExtendDuration: 'P90D' }))?.code,
      'invalid_auto_extend',
    );
  });

  it('Graph §1.2: roles are Entra built-in template ids Warden knows; Global Administrator refuses auto-extension', () => {
    assert.equal(relationshipTermsProblem(terms({ roleTemplateIds: [] }))?.code, 'no_roles');
    assert.equal(
      relationshipTermsProblem(terms({ roleTemplateIds: ['00000000-0000-0000-0000-000000000000'] }))?.code,
      'unknown_role',
    );
    assert.equal(
      relationshipTermsProblem(terms({ roleTemplateIds: [USER_ADMIN, GLOBAL_ADMINISTRATOR_TEMPLATE_ID] }))
        ?.code,
      'auto_extend_with_global_administrator',
    );
    assert.equal(
      relationshipTermsProblem(
        terms({
          roleTemplateIds: [GLOBAL_ADMINISTRATOR_TEMPLATE_ID.toUpperCase()],
          autoExtendDuration: 'PT0S',
        }),
      ),
      undefined,
    );
  });
});
