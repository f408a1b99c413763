import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { COMMANDS } from '../src/cli/program.ts';
import { CliUser } from './support/cli.ts';

describe('CLI: help, usage errors and exit codes', () => {
  // A port that was free a moment ago: no server listens there, so network commands get exit 4.
  let server: string;
  let user: CliUser;
  before(async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    server = `http://127.0.0.1:${port}`;
    user = new CliUser(server);
  });
  after(() => user.cleanup());
  const escaped = () => server.replaceAll('.', '\\.').replaceAll('/', '\\/');

  test('CLI: warden --help lists every command and the exit codes', async () => {
    const { code, stdout } = await user.run(['--help']);
    assert.equal(code, 0);
    for (const command of COMMANDS)
      assert.ok(stdout.includes(`  ${command.path.join(' ')} `), command.path.join(' '));
    for (const exit of [
      '0  success',
      '1  the check failed',
      '2  usage error',
      '3  not signed in',
      '4  the server',
    ])
      assert.ok(stdout.includes(exit), exit);
  });

  test('CLI: every command has --help, which exits 0 and names the command', async () => {
    assert.ok(COMMANDS.length >= 20);
    const results = await Promise.all(COMMANDS.map((c) => user.run([...c.path, '--help'])));
    COMMANDS.forEach((command, i) => {
      const { code, stdout } = results[i]!;
      assert.equal(code, 0, `${command.path.join(' ')} --help`);
      assert.match(stdout, new RegExp(`^Usage: warden ${command.path.join(' ')}\\b`), command.path.join(' '));
      assert.ok(stdout.includes('--help'), command.path.join(' '));
    });
  });

  test('CLI: a command group without a command shows its commands; with --help it exits 0', async () => {
    const help = await user.run(['users', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /users reset-password/);
    const missing = await user.run(['users']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /warden users needs a command/);
    assert.match(missing.stderr, /Run: warden users --help/);
  });

  test('CLI: unknown commands, unknown flags, missing and extra arguments are usage errors (exit 2)', async () => {
    const cases: [string[], RegExp][] = [
      [['frobnicate'], /Unknown command 'frobnicate'/],
      [['users', 'frobnicate'], /Unknown command 'warden users frobnicate'/],
      [['--frobnicate'], /Unknown option '--frobnicate'/],
      [['whoami', '--frobnicate'], /Unknown option '--frobnicate'/],
      [['login', '--tenant'], /--tenant/],
      [['users', 'get'], /needs <user id or upn>/],
      [['whoami', 'extra'], /Unexpected argument 'extra'/],
      [['signins', '--format', 'xml'], /--format must be table, json or csv/],
      [['signins', '--since', 'yesterday'], /'yesterday' is not a date/],
      [['login', '--server', 'ftp://example.com', '--tenant', 'x'], /must be http or https/],
    ];
    for (const [args, message] of cases) {
      const { code, stderr, stdout } = await user.run(args);
      assert.equal(code, 2, `${args.join(' ')}: ${stderr}`);
      assert.match(stderr, message, args.join(' '));
      assert.equal(stdout, '', 'nothing on stdout for a usage error');
    }
  });

  test('CLI: no command at all prints the help on stderr and exits 2', async () => {
    const { code, stderr } = await user.run([]);
    assert.equal(code, 2);
    assert.match(stderr, /^Usage: warden <command>/);
  });

  test('CLI: a command that needs a sign-in says so and what to run (exit 3)', async () => {
    const { code, stderr } = await user.run(['users', 'list', '--tenant', 'contoso.example']);
    assert.equal(code, 3);
    assert.match(stderr, new RegExp(`Not signed in to contoso\\.example at ${escaped()}\\.`));
    assert.match(stderr, new RegExp(`Run: warden login --tenant contoso\\.example --server ${escaped()}`));
  });

  test('CLI: login without --tenant and without an earlier sign-in is a usage error naming the fix', async () => {
    const { code, stderr } = await user.run(['login']);
    assert.equal(code, 2);
    assert.match(stderr, /Which tenant\?/);
    assert.match(stderr, /warden login --tenant <domain or id>/);
  });

  test('CLI: an unreachable server is exit 4 with what to check', async () => {
    const { code, stderr } = await user.run(['login', '--tenant', 'contoso.example', '--device-code']);
    assert.equal(code, 4, stderr);
    assert.match(stderr, new RegExp(`Cannot reach the Warden server at ${escaped()} \\(ECONNREFUSED\\)`));
    assert.match(stderr, /--server <url> or WARDEN_SERVER/);
  });

  test('CLI: token decode shows header and claims and says they are not verified', async () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const jwt = `${b64({ alg: 'RS256', kid: 'k1' })}.${b64({ iss: 'https://x.example/t/v2.0', amr: ['pwd'], exp: 1 })}.c2ln`;
    const text = await user.run(['token', 'decode', jwt]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /NOT VERIFIED/);
    assert.match(text.stdout, /"kid": "k1"/);
    assert.match(text.stdout, /exp: 1970-01-01T00:00:01\.000Z/);
    const json = await user.run(['token', 'decode', jwt, '--json']);
    assert.deepEqual(JSON.parse(json.stdout), {
      header: { alg: 'RS256', kid: 'k1' },
      claims: { iss: 'https://x.example/t/v2.0', amr: ['pwd'], exp: 1 },
      verified: false,
    });
    const bad = await user.run(['token', 'decode', 'not-a-jwt']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /not a JWT/);
    // Verification is only against the chosen server's issuers.
    const foreign = await user.run(['token', 'decode', jwt, '--verify']);
    assert.equal(foreign.code, 1);
    assert.match(foreign.stderr, /issued by https:\/\/x\.example\/t\/v2\.0, not by the server/);
  });

  test('CLI: package.json names the bin, and the npm scripts call it', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    assert.equal(pkg.bin.warden, 'src/cli/warden.ts');
    assert.equal(pkg.scripts['keys:rotate'], 'node src/cli/warden.ts keys rotate');
    assert.equal(pkg.scripts.start, 'node src/main.ts');
    const entry = readFileSync(new URL('../src/cli/warden.ts', import.meta.url), 'utf8');
    assert.match(entry, /^#!\/usr\/bin\/env node\n/);
  });
});
