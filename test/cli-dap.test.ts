import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { getCustomer } from '../src/partner-center/customers.ts';
import { CliUser, deviceLogin } from './support/cli.ts';
import { DAY_MS, makeDapCustomer, recordCrossTenantSignIn } from './support/dap.ts';
import { startWarden, type TestWarden } from './support/harness.ts';

describe('CLI: warden gdap dap-report and remove-dap (SPEC §13, reference §1.11)', () => {
  let w: TestWarden;
  let jane: CliUser;
  let hal: CliUser;
  let contoso: string;
  before(async () => {
    w = await startWarden();
    contoso = w.demo.tenants.contoso!.id;
    jane = new CliUser(w.baseUrl);
    hal = new CliUser(w.baseUrl);
    const logins = [
      await deviceLogin(w, jane, 'jane@contoso.example', true),
      await deviceLogin(w, hal, 'hal@contoso.example', true),
    ];
    for (const login of logins) assert.equal(login.code, 0, login.stderr);
  });
  after(async () => {
    jane?.cleanup();
    hal?.cleanup();
    await w?.stop();
  });

  test('CLI: gdap dap-report lists the DAP customers with last use and the 60/90-day flag, as JSON and as a table', async () => {
    const now = w.clock.now();
    const unused = await makeDapCustomer(w, { name: 'Unused Co', since: now - 100 * DAY_MS });
    const used = await makeDapCustomer(w, { name: 'Used Co', since: now - 100 * DAY_MS });
    await recordCrossTenantSignIn(w, used.customerTenantId, contoso, now - 3 * DAY_MS);

    const json = await jane.run(['gdap', 'dap-report', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const items = JSON.parse(json.stdout) as {
      id: string;
      activity: string;
      lastSignInDateTime: string | null;
    }[];
    const byId = new Map(items.map((i) => [i.id, i]));
    assert.equal(byId.get(unused.id)?.activity, 'inactiveOver90Days');
    assert.equal(byId.get(unused.id)?.lastSignInDateTime, null);
    assert.equal(byId.get(used.id)?.activity, 'active');
    assert.ok(byId.has(w.demo.customers['northwind.example']!));
    assert.ok(!byId.has(w.demo.customers['adatum.example']!), 'no DAP, not listed');

    const text = await jane.run(['gdap', 'dap-report']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^CUSTOMER +DAYS ENABLED +LAST USED +DAYS INACTIVE +ACTIVITY +CUSTOMER ID$/m);
    assert.match(
      text.stdout,
      new RegExp(`^Unused Co +100 +never +100 +inactive 90\\+ days +${unused.id}$`, 'm'),
    );

    const help = await jane.run(['gdap', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /gdap dap-report/);
    assert.match(help.stdout, /gdap remove-dap/);
  });

  test('CLI: gdap remove-dap removes DAP for several customers; one without DAP is reported; a refused one exits 1 without stopping the rest', async () => {
    const [a, b] = [await makeDapCustomer(w), await makeDapCustomer(w)];
    const none = await makeDapCustomer(w, { delegatedAdmin: 'none' });
    const removed = await jane.run(['gdap', 'remove-dap', a.id, b.id.toUpperCase(), none.id, '--json']);
    assert.equal(removed.code, 0, removed.stderr);
    assert.deepEqual(JSON.parse(removed.stdout), [
      { customerId: a.id, result: 'removed' },
      { customerId: b.id, result: 'removed' },
      { customerId: none.id, result: 'noDap' },
    ]);
    for (const c of [a, b])
      assert.equal((await getCustomer(w.ctx.db, contoso, c.id))?.delegatedAdmin, 'none');

    const c = await makeDapCustomer(w);
    const unknown = crypto.randomUUID();
    const partly = await jane.run(['gdap', 'remove-dap', unknown, c.id]);
    assert.equal(partly.code, 1);
    assert.match(partly.stderr, new RegExp(`warden: ${unknown}: not_found: `));
    assert.equal(partly.stdout, `${c.id}: DAP removed.\n`);
    assert.equal((await getCustomer(w.ctx.db, contoso, c.id))?.delegatedAdmin, 'none');

    const usage = await jane.run(['gdap', 'remove-dap', 'northwind']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /is not a customer id/);
  });

  test('CLI: a Helpdesk agent is refused (role_required, exit 1) and nothing changes', async () => {
    const customer = await makeDapCustomer(w);
    const removal = await hal.run(['gdap', 'remove-dap', customer.id, '--json']);
    assert.equal(removal.code, 1);
    const [outcome] = JSON.parse(removal.stdout);
    assert.deepEqual([outcome.result, outcome.code], ['refused', 'role_required']);
    const report = await hal.run(['gdap', 'dap-report']);
    assert.equal(report.code, 1);
    assert.match(report.stderr, /^warden: role_required: /);
    assert.equal((await getCustomer(w.ctx.db, contoso, customer.id))?.delegatedAdmin, 'dap');
  });
});
