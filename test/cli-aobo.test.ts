import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CliUser } from './support/cli.ts';
import { approveDevice } from './support/device.ts';
import { startWarden, type TestWarden } from './support/harness.ts';

/** SPEC E3 through the CLI: Jane administers Northwind (DAP) by signing in at Northwind's authority. */
describe('CLI: warden login --tenant <customer> as a partner user (admin on behalf of)', () => {
  let w: TestWarden;
  let jane: CliUser;
  let login: { code: number; stdout: string; stderr: string };
  before(async () => {
    w = await startWarden();
    jane = new CliUser(w.baseUrl);
    const running = jane.start(['login', '--tenant', 'northwind.example', '--device-code']);
    const [, uri, code] = await running.waitForStderr(
      /open (\S+) in a browser on any device and enter the code (\S+)/,
    );
    await approveDevice(w, uri!, code!, 'jane@contoso.example', { mfa: true });
    login = await running.exited;
  });
  after(async () => {
    jane?.cleanup();
    await w?.stop();
  });

  test('SPEC E3: warden login --tenant northwind.example signs Jane in at the customer’s authority with MFA', () => {
    assert.equal(login.code, 0, login.stderr);
    assert.match(
      login.stdout,
      /^Signed in to northwind\.example as jane@contoso\.example \(amr: [^;]*mfa[^;]*; MFA verified\)\./,
    );
  });

  test('SPEC E3: warden users list --tenant northwind.example lists Northwind’s users with Jane’s delegated roles', async () => {
    const result = await jane.run(['users', 'list', '--tenant', 'northwind.example', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const upns = (JSON.parse(result.stdout) as { userPrincipalName: string }[]).map(
      (u) => u.userPrincipalName,
    );
    assert.ok(upns.includes('admin@northwind.example'));
    assert.ok(upns.every((upn) => upn.endsWith('@northwind.example')));
    // DAP Global Administrator: she may create a user there too.
    const created = await jane.run([
      'users',
      'create',
      '--tenant',
      'northwind.example',
      '--upn',
      'cli-made@northwind.example',
      '--display-name',
      'Made By Partner',
      '--json',
    ]);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(JSON.parse(created.stdout).userPrincipalName, 'cli-made@northwind.example');
  });

  test('SPEC E3: once Northwind’s DAP is removed, the next command fails (the refresh is refused)', async () => {
    await w.ctx.db
      .updateTable('customers')
      .set({ delegated_admin: 'none' })
      .where('tenant_id', '=', w.demo.tenants.contoso!.id)
      .where('customer_tenant_id', '=', w.demo.tenants.northwind!.id)
      .execute();
    const result = await jane.run(['users', 'list', '--tenant', 'northwind.example', '--json']);
    assert.notEqual(result.code, 0);
    assert.equal(result.stdout, '');
  });
});
