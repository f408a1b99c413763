import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CliUser, deviceLogin } from './support/cli.ts';
import { startWarden, type TestWarden } from './support/harness.ts';

describe('CLI: warden users, signins paging and security-defaults as Jane', () => {
  let w: TestWarden;
  let jane: CliUser;
  before(async () => {
    w = await startWarden();
    jane = new CliUser(w.baseUrl);
    const login = await deviceLogin(w, jane, 'jane@contoso.example', true);
    assert.equal(login.code, 0, login.stderr);
  });
  after(async () => {
    jane?.cleanup();
    await w?.stop();
  });

  const json = async (args: string[]) => {
    const result = await jane.run([...args, '--json']);
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    return JSON.parse(result.stdout);
  };

  test('SPEC §9 via the CLI: create (temporary password shown once), get, update, disable, enable, reset-password, delete', async () => {
    const created = await json([
      'users',
      'create',
      '--upn',
      'alex@contoso.example',
      '--display-name',
      'Alex Wu',
    ]);
    assert.equal(created.userPrincipalName, 'alex@contoso.example');
    assert.equal(created.accountEnabled, true);
    assert.match(created.temporaryPassword, /^.{16}$/);

    assert.equal((await json(['users', 'get', 'alex@contoso.example'])).id, created.id);
    const updated = await json(['users', 'update', created.id, '--surname', 'Wu', '--given-name', 'Alex']);
    assert.deepEqual([updated.givenName, updated.surname], ['Alex', 'Wu']);

    assert.equal((await json(['users', 'disable', 'alex@contoso.example'])).accountEnabled, false);
    assert.equal((await json(['users', 'enable', 'alex@contoso.example'])).accountEnabled, true);

    const reset = await json(['users', 'reset-password', 'alex@contoso.example']);
    assert.equal(typeof reset.temporaryPassword, 'string');
    assert.notEqual(reset.temporaryPassword, created.temporaryPassword);

    const unconfirmed = await jane.run(['users', 'delete', 'alex@contoso.example']);
    assert.equal(unconfirmed.code, 2);
    assert.match(unconfirmed.stderr, /needs --yes/);
    assert.deepEqual(await json(['users', 'delete', 'alex@contoso.example', '--yes']), {
      deleted: 'alex@contoso.example',
    });
    const gone = await jane.run(['users', 'get', 'alex@contoso.example']);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /^warden: Request_ResourceNotFound: .+ \(request-id [\w-]+\)/);
  });

  test('CLI: a duplicate user principal name is refused with the Graph code (exit 1), nothing printed on stdout', async () => {
    const { code, stdout, stderr } = await jane.run(['users', 'create', '--upn', 'sam@contoso.example']);
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.match(stderr, /Request_MultipleObjectsWithSameKeyValue/);
  });

  test('CLI: users list and signins follow @odata.nextLink page by page to the same result', async () => {
    const all = await json(['users', 'list']);
    const paged = await json(['users', 'list', '--page-size', '2']);
    assert.ok(all.length >= 5);
    assert.deepEqual(paged, all);
    const signins = await json(['signins']);
    const signinsPaged = await json(['signins', '--page-size', '1']);
    assert.ok(signins.length >= 1);
    assert.deepEqual(
      signinsPaged.map((s: { id: string }) => s.id),
      signins.map((s: { id: string }) => s.id),
    );
    const bad = await jane.run(['signins', '--page-size', '0']);
    assert.equal(bad.code, 2);
  });

  test('CLI: signins --until before any sign-in finds none; the table says so', async () => {
    const { code, stdout } = await jane.run(['signins', '--until', '2001-01-01']);
    assert.equal(code, 0);
    assert.equal(stdout, 'No sign-ins match.\n');
  });

  test('SPEC §5 via the CLI: security-defaults disable, then enable, as Jane (Global Administrator with MFA)', async () => {
    const off = await jane.run(['security-defaults', 'disable']);
    assert.equal(off.code, 0, off.stderr);
    assert.match(off.stdout, /^Security defaults are OFF now\./);
    assert.equal((await json(['security-defaults', 'show'])).isEnabled, false);
    const on = await json(['security-defaults', 'enable']);
    assert.equal(on.isEnabled, true);
  });
});
