import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CliUser, deviceLogin } from './support/cli.ts';
import { startWarden, type TestWarden } from './support/harness.ts';

const DAY = 86_400_000;

describe('CLI: warden exceptions list|file|approve|reject|setting (SPEC §12)', () => {
  let w: TestWarden;
  let jane: CliUser; // Contoso's Global admin and Admin agent
  let olivia: CliUser; // the operator's Global admin (demo)
  let demoRequest: string;
  before(async () => {
    w = await startWarden();
    jane = new CliUser(w.baseUrl);
    olivia = new CliUser(w.baseUrl);
    for (const login of [
      await deviceLogin(w, jane, 'jane@contoso.example', true),
      await deviceLogin(w, olivia, 'olivia@operator.example', true),
    ])
      assert.equal(login.code, 0, login.stderr);
  });
  after(async () => {
    jane?.cleanup();
    olivia?.cleanup();
    await w?.stop();
  });

  test('CLI: exceptions list shows the partner its own requests and the operator the queue of every partner, with the due date', async () => {
    const mine = await jane.run(['exceptions', 'list', '--json']);
    assert.equal(mine.code, 0, mine.stderr);
    const items = JSON.parse(mine.stdout) as { id: string; status: string; partnerName?: string }[];
    assert.equal(items.length, 1);
    assert.equal(items[0]!.status, 'pending');
    assert.equal(items[0]!.partnerName, undefined);
    demoRequest = items[0]!.id;

    const queue = await olivia.run(['exceptions', 'list']);
    assert.equal(queue.code, 0, queue.stderr);
    assert.match(queue.stdout, /^PARTNER +FILED +DUE +MFA PRODUCT +STATUS +ID$/m);
    assert.match(
      queue.stdout,
      new RegExp(
        `^Contoso +\\d{4}-\\d{2}-\\d{2} +\\d{4}-\\d{2}-\\d{2} +Contoso RADIUS token appliance +pending +${demoRequest}$`,
        'm',
      ),
    );
  });

  test('CLI: exceptions reject needs --reason; the partner then reads it; a partner cannot reject', async () => {
    const noReason = await olivia.run(['exceptions', 'reject', demoRequest]);
    assert.equal(noReason.code, 2);
    assert.match(noReason.stderr, /needs --reason/);
    const byPartner = await jane.run(['exceptions', 'reject', demoRequest, '--reason', 'mine']);
    assert.equal(byPartner.code, 1);
    assert.match(byPartner.stderr, /operator_only/);
    const rejected = await olivia.run([
      'exceptions',
      'reject',
      demoRequest,
      '--reason',
      'Use an MFA that sends the claim.',
    ]);
    assert.equal(rejected.code, 0, rejected.stderr);
    const mine = JSON.parse((await jane.run(['exceptions', 'list', '--json'])).stdout);
    assert.equal(mine[0].status, 'rejected');
    assert.equal(mine[0].reason, 'Use an MFA that sends the claim.');
  });

  test('CLI: exceptions file attaches the self-test file; refused while not accepted; the operator accepts, then approves with --until', async () => {
    const selfTest = join(jane.home, 'self-test.json');
    writeFileSync(
      selfTest,
      JSON.stringify({
        result: 'fail',
        user: 'hal@contoso.example',
        tenant: 'contoso.example',
        tenantId: w.demo.tenants.contoso!.id,
        amr: ['pwd'],
        api: {
          request: 'GET /v1/customers',
          status: 401,
          statusText: 'Unauthorized - MFA required',
          code: 'mfa_required',
        },
      }),
    );
    const args = [
      'exceptions',
      'file',
      '--product',
      'Contoso RADIUS token appliance',
      '--integration',
      'RADIUS in front of the VPN; no federation with the identity provider.',
      '--self-test',
      selfTest,
      '--purchase-reference',
      'PO-7',
    ];
    const missing = await jane.run(args.slice(0, 6));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /needs --self-test/);
    const noFile = await jane.run([...args.slice(0, 7), join(jane.home, 'none.json'), ...args.slice(8)]);
    assert.equal(noFile.code, 2);
    assert.match(noFile.stderr, /Cannot read/);

    const refused = await jane.run(args);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /exceptions_not_accepted/);

    const setting = await olivia.run(['exceptions', 'setting']);
    assert.match(setting.stdout, /does not accept/);
    assert.equal((await olivia.run(['exceptions', 'setting', '--accept'])).code, 0);

    const filed = await jane.run([...args, '--json']);
    assert.equal(filed.code, 0, filed.stderr);
    const request = JSON.parse(filed.stdout);
    assert.equal(request.status, 'pending');
    assert.equal(request.selfTest.user, 'hal@contoso.example');

    const until = new Date(w.clock.now() + 20 * DAY).toISOString().slice(0, 10);
    const badDate = await olivia.run(['exceptions', 'approve', request.id, '--until', 'tomorrow']);
    assert.equal(badDate.code, 2);
    const tooLong = await olivia.run([
      'exceptions',
      'approve',
      request.id,
      '--until',
      new Date(w.clock.now() + 400 * DAY).toISOString().slice(0, 10),
    ]);
    assert.equal(tooLong.code, 1);
    assert.match(tooLong.stderr, /invalid_exception_decision/);
    const approved = await olivia.run([
      'exceptions',
      'approve',
      request.id,
      '--until',
      until,
      '--scope',
      'e2',
    ]);
    assert.equal(approved.code, 0, approved.stderr);
    assert.equal(approved.stdout.trim(), `Approved ${request.id} for E2 through ${until}.`);
    const again = await olivia.run(['exceptions', 'approve', request.id, '--until', until]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /exception_not_pending/);

    const listed = await jane.run(['exceptions', 'list']);
    assert.match(listed.stdout, new RegExp(`approved E2 through ${until} +${request.id}$`, 'm'));

    const off = await olivia.run(['exceptions', 'setting', '--refuse']);
    assert.equal(off.code, 0, off.stderr);
    assert.match(off.stdout, /1 approved exception\(s\) ended/);
  });
});
