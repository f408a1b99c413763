import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { recalculateFigures } from '../src/compliance/daily-job.ts';
import { addDays, dayOf } from '../src/compliance/days.ts';
import { getTenant } from '../src/directory/tenants.ts';
import { CliUser, deviceLogin } from './support/cli.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { makeUser } from './support/users.ts';

describe('CLI: warden compliance status, requests and recalculate (SPEC §11)', () => {
  let w: TestWarden;
  let jane: CliUser;
  let operator: CliUser;
  before(async () => {
    w = await startWarden();
    jane = new CliUser(w.baseUrl);
    operator = new CliUser(w.baseUrl);
    const admin = await makeUser(w, {
      tenant: 'operator',
      name: 'cliop',
      roles: ['Global Administrator'],
      totp: true,
    });
    for (const login of [
      await deviceLogin(w, jane, 'jane@contoso.example', true),
      await deviceLogin(w, operator, admin.upn, true),
    ])
      assert.equal(login.code, 0, login.stderr);
  });
  after(async () => {
    jane?.cleanup();
    operator?.cleanup();
    await w?.stop();
  });

  test('CLI: compliance status prints the stored figures, as JSON and as a table with the 7-day trend', async () => {
    const contoso = (await getTenant(w.ctx.db, w.demo.tenants.contoso!.id))!;
    const yesterday = addDays(dayOf(w.clock.now()), -1);
    const stored = await recalculateFigures(w.ctx.db, contoso, yesterday, w.clock.now());
    const json = await jane.run(['compliance', 'status', '--json', '--days', '7']);
    assert.equal(json.code, 0, json.stderr);
    const body = JSON.parse(json.stdout);
    assert.deepEqual(body.current, stored);
    const text = await jane.run(['compliance', 'status']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^FIGURE +WHAT +PERCENT +WITH MFA +OF +UNDER EXCEPTION +BELOW 100 % BECAUSE$/m);
    assert.match(
      text.stdout,
      new RegExp(
        `^A +enabled accounts with MFA enforced +${stored.a.percent} % +${stored.a.numerator} +${stored.a.denominator}`,
        'm',
      ),
    );
    assert.match(text.stdout, new RegExp(`^${yesterday} `, 'm'));
    const bad = await jane.run(['compliance', 'status', '--days', '0']);
    assert.equal(bad.code, 2);
  });

  test('CLI: compliance requests lists the newest App+User requests with their MFA flag; --top limits them', async () => {
    const json = await jane.run(['compliance', 'requests', '--json', '--top', '2']);
    assert.equal(json.code, 0, json.stderr);
    const items = JSON.parse(json.stdout) as {
      upn: string;
      mfaCompliant: boolean;
      requestDateTime: string;
    }[];
    assert.equal(items.length, 2);
    // The CLI's own calls above are App+User requests with MFA, and the newest.
    assert.equal(items[0]!.upn, 'jane@contoso.example');
    assert.equal(items[0]!.mfaCompliant, true);
    assert.ok(items[0]!.requestDateTime >= items[1]!.requestDateTime);
    const text = await jane.run(['compliance', 'requests', '--top', '1']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^WHEN \(UTC\) +OPERATION +USER +MFA +APPLICATION +IP ADDRESS +REQUEST ID$/m);
    assert.match(text.stdout, /securityrequirements\.\S+ +jane@contoso\.example +yes /);
    assert.equal((await jane.run(['compliance', 'requests', '--top', 'ten'])).code, 2);
  });

  test('CLI: compliance recalculate is the operator’s: one partner for one day; a partner user is refused (exit 1)', async () => {
    const contoso = w.demo.tenants.contoso!.id;
    const day = addDays(dayOf(w.clock.now()), -3);
    const done = await operator.run([
      'compliance',
      'recalculate',
      '--partner',
      contoso,
      '--day',
      day,
      '--json',
    ]);
    assert.equal(done.code, 0, done.stderr);
    assert.deepEqual(
      JSON.parse(done.stdout).map((f: { tenantId: string; day: string }) => [f.tenantId, f.day]),
      [[contoso, day]],
    );
    const all = await operator.run(['compliance', 'recalculate']);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /^Recalculated \d+ partners for \d{4}-\d{2}-\d{2}:$/m);
    const refused = await jane.run(['compliance', 'recalculate']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /operator_only/);
    const unknown = await operator.run(['compliance', 'recalculate', '--partner', randomUUID()]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /not_found/);
    assert.equal((await operator.run(['compliance', 'recalculate', '--day', 'tomorrow'])).code, 2);
  });
});
