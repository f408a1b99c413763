import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { raiseFraudEvent } from '../src/security-alerts/fraud-events.ts';
import { CliUser, deviceLogin } from './support/cli.ts';
import { startWarden, type TestWarden } from './support/harness.ts';

describe('CLI: warden alerts list and resolve (issue 14 item 8, reference §5)', () => {
  let w: TestWarden;
  let jane: CliUser;
  let eventId: string;
  before(async () => {
    w = await startWarden();
    jane = new CliUser(w.baseUrl);
    const login = await deviceLogin(w, jane, 'jane@contoso.example', true);
    assert.equal(login.code, 0, login.stderr);
    const subscription = await w.ctx.db
      .selectFrom('subscriptions')
      .select('id')
      .where('tenant_id', '=', w.demo.tenants.contoso!.id)
      .where('customer_id', '=', w.demo.customers['woodgrove.example']!)
      .executeTakeFirstOrThrow();
    const now = w.clock.now();
    const { event } = await raiseFraudEvent(
      w.ctx.db,
      w.baseUrl,
      {
        partnerTenantId: w.demo.tenants.contoso!.id,
        customerTenantId: w.demo.tenants.woodgrove!.id,
        subscriptionId: subscription.id,
        eventType: 'VirtualMachineDeploymentAnomaly',
        severity: 'Medium',
        confidenceLevel: 'Low',
        displayName: 'CLI test alert',
        description: 'Many virtual machines deployed at once.',
        entityName: 'rg-burst',
        serviceName: 'Compute',
        firstObservedAt: now,
        lastObservedAt: now,
        source: 'operator',
        raisedBy: 'test',
      },
      now,
    );
    eventId = event.id;
  });
  after(async () => {
    jane?.cleanup();
    await w?.stop();
  });

  test('CLI: alerts list shows the alerts as a table and as JSON; --status filters; a bad status is a usage error', async () => {
    const text = await jane.run(['alerts', 'list', '--status', 'active']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^STATUS +SEVERITY +ALERT +CUSTOMER +LAST OBSERVED +ALERT ID$/m);
    assert.match(
      text.stdout,
      new RegExp(`^Active +Medium +CLI test alert +Woodgrove Bank +\\S+ \\S+ +${eventId}$`, 'm'),
    );
    const json = await jane.run(['alerts', 'list', '--json', '--status', 'Resolved']);
    assert.equal(json.code, 0, json.stderr);
    assert.ok(!(JSON.parse(json.stdout) as { eventId: string }[]).some((e) => e.eventId === eventId));
    const bad = await jane.run(['alerts', 'list', '--status', 'Closed']);
    assert.equal(bad.code, 2);
  });

  test('CLI: alerts resolve ID --reason Legitimate resolves it (resolvedBy is the user); a bad reason or id is a usage error', async () => {
    const noReason = await jane.run(['alerts', 'resolve', eventId]);
    assert.equal(noReason.code, 2);
    const badId = await jane.run(['alerts', 'resolve', 'not-an-id', '--reason', 'Fraud']);
    assert.equal(badId.code, 2);
    const done = await jane.run(['alerts', 'resolve', eventId, '--reason', 'legitimate', '--json']);
    assert.equal(done.code, 0, done.stderr);
    const [e] = JSON.parse(done.stdout) as {
      eventStatus: string;
      resolvedReason: string;
      resolvedBy: string;
    }[];
    assert.equal(e!.eventStatus, 'Resolved');
    assert.equal(e!.resolvedReason, 'Legitimate');
    assert.equal(e!.resolvedBy, 'jane@contoso.example');
    const unknown = await jane.run([
      'alerts',
      'resolve',
      `${eventId.split('_')[0]}_nothing`,
      '--reason',
      'Fraud',
    ]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /fraud_event_not_found/);
  });
});
