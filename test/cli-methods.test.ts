import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CliUser, deviceLogin } from './support/cli.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { storePasskey } from './support/passkeys.ts';
import { makeUser } from './support/users.ts';

describe('Issue 15 items 2 and 8 via the CLI: warden methods list, remove, tap and first-registration-tap as Jane', () => {
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

  test("Issue 15 item 8: methods list shows a user's password, authenticator app and passkey; remove deletes a passkey; a password and a mandated last method stay", async () => {
    // A Security Administrator of Contoso (security defaults): policy requires an MFA method.
    const user = await makeUser(w, { name: 'climethods', roles: ['Security Administrator'], totp: true });
    const key = await storePasskey(w, user, { displayName: 'Work key', attestationFormat: 'packed' });
    const human = await jane.run(['methods', 'list', user.upn]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^ID\s+TYPE\s+NAME\s+ADDED\s+DETAILS/);
    assert.match(human.stdout, /password/);
    assert.match(human.stdout, /authenticator app/);
    assert.match(human.stdout, new RegExp(`${key}\\s+passkey\\s+Work key\\s+\\S+\\s+device-bound, attested`));
    const listed = await json(['methods', 'list', user.upn]);
    assert.deepEqual(
      listed.map((m: Record<string, string>) => m['@odata.type']),
      [
        '#microsoft.graph.passwordAuthenticationMethod',
        '#microsoft.graph.softwareOathAuthenticationMethod',
        '#microsoft.graph.fido2AuthenticationMethod',
      ],
    );
    const [password, totp] = listed as { id: string }[];

    const removed = await jane.run(['methods', 'remove', user.upn, key]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, /The passkey .* was removed\./);
    assert.equal((await json(['methods', 'list', user.upn])).length, 2);

    const last = await jane.run(['methods', 'remove', user.upn, totp!.id]);
    assert.equal(last.code, 1);
    assert.match(last.stderr, /badRequest/);
    const pwd = await jane.run(['methods', 'remove', user.upn, password!.id]);
    assert.equal(pwd.code, 1);
    assert.match(pwd.stderr, /badRequest/);
    const unknown = await jane.run(['methods', 'remove', user.upn, crypto.randomUUID()]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /Request_ResourceNotFound/);
    assert.equal((await json(['methods', 'list', user.upn])).length, 2, 'nothing else was removed');
    const usage = await jane.run(['methods', 'remove', user.upn]);
    assert.equal(usage.code, 2);
  });

  test('Issue 15 item 2: create (the pass shown once) with --lifetime and --once, list without the pass, delete', async () => {
    const user = await makeUser(w, { name: 'clitap' });
    const human = await jane.run(['methods', 'tap', 'create', user.upn, '--lifetime', '30', '--once']);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /one sign-in, 30 minutes/);
    assert.match(human.stdout, /Pass \(shown once\): [a-z2-9]{16}/);
    const [listed] = await json(['methods', 'tap', 'list', user.upn]);
    assert.equal(listed.temporaryAccessPass, null);
    assert.deepEqual([listed.lifetimeInMinutes, listed.isUsableOnce], [30, true]);
    const usage = await jane.run(['methods', 'tap', 'create', user.upn, '--lifetime', 'an hour']);
    assert.equal(usage.code, 2);
    const deleted = await jane.run(['methods', 'tap', 'delete', user.upn, listed.id]);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.deepEqual(await json(['methods', 'tap', 'list', user.upn]), []);
    const tooShort = await jane.run(['methods', 'tap', 'create', user.upn, '--lifetime', '5']);
    assert.equal(tooShort.code, 1);
    assert.match(tooShort.stderr, /Request_BadRequest/);
  });

  test('Issue 15 item 2: the first-registration setting is shown, turned on and off', async () => {
    assert.equal(
      (await json(['methods', 'first-registration-tap', 'show']))
        .firstRegistrationRequiresTemporaryAccessPass,
      false,
    );
    const on = await jane.run(['methods', 'first-registration-tap', 'enable']);
    assert.equal(on.code, 0, on.stderr);
    assert.match(on.stdout, /only after signing in with a Temporary Access Pass/);
    assert.equal(
      (await json(['methods', 'first-registration-tap', 'disable']))
        .firstRegistrationRequiresTemporaryAccessPass,
      false,
    );
  });
});
