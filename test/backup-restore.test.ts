import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, test } from 'node:test';
import { Kysely, Migrator } from 'kysely';
import type { DemoData } from '../src/demo/demo-data.ts';
import { SecretBox } from '../src/security/secret-box.ts';
import type { Db } from '../src/storage/database.ts';
import { knownMigrations, MIGRATIONS } from '../src/storage/migrations.ts';
import { nodeSqliteDialect } from '../src/storage/sqlite-dialect.ts';
import { ensureSigningKey } from '../src/tokens/signing-keys.ts';
import { CliUser } from './support/cli.ts';
import { testDatabase } from './support/harness.ts';
import { httpRelyingParty, httpSignIn, listCustomers, makeHttpUsers } from './support/http-sign-in.ts';
import { freePort, ServerProcess } from './support/server-process.ts';

/**
 * Issue 16 item 6: a backup is only as good as its restore. Each backend's path is run as an
 * operator would (docs/backups.md): a real Warden with a user of the test's, a backup, a restore
 * into a fresh place, Warden started on it, the user signing in, and a token signed before the
 * backup still verifying.
 */

const PG_BIN = '/usr/lib/postgresql/15/bin';
const temps: string[] = [];
const temp = (name: string) => {
  const dir = mkdtempSync(join(tmpdir(), `warden-restore-${name}-`));
  temps.push(dir);
  return dir;
};
after(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

/** What a backup path does: `backup` copies the source install, `restore` makes the fresh one. */
interface BackupPath {
  source: { WARDEN_DATA_DIR: string; DATABASE_URL?: string };
  backup(secretKey: string): Promise<void>;
  restore(secretKey: string): Promise<{ WARDEN_DATA_DIR: string; DATABASE_URL?: string }>;
}

/** An install, a user who signs in, the backup, the restore, and the same user signing in again. */
async function backupAndRestore(path: BackupPath): Promise<void> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const secretKey = randomBytes(32).toString('base64');
  // The restored install answers at the same public URL, as after a restore on a new machine.
  const common = { WARDEN_SECRET_KEY: secretKey, WARDEN_BASE_URL: base };
  const original = new ServerProcess(port, { ...common, ...path.source });
  let restored: ServerProcess | undefined;
  try {
    await original.running;
    const demo = JSON.parse(readFileSync(join(path.source.WARDEN_DATA_DIR, 'demo.json'), 'utf8')) as DemoData;
    const contoso = demo.tenants.contoso!.id;
    const [user] = await makeHttpUsers({
      databaseUrl: path.source.DATABASE_URL,
      dataDir: path.source.WARDEN_DATA_DIR,
      secretKey,
      tenantId: contoso,
      domain: 'contoso.example',
      names: ['restored-admin'],
      password: 'Quiet-Harbour-Lamp-31',
    });
    const appId = demo.clients['warden-cli']!.clientId;
    const before = await httpSignIn(await httpRelyingParty(base, contoso, appId), user!);
    assert.equal((await listCustomers(base, before.accessToken)).status, 200);

    await path.backup(secretKey);
    assert.equal((await original.stop()).code, 0);
    const target = await path.restore(secretKey);
    restored = new ServerProcess(port, { ...common, ...target });
    await restored.running;

    // The token signed before the backup verifies: the signing keys came back, and open.
    assert.equal((await listCustomers(base, before.accessToken)).status, 200);
    const after = await httpSignIn(await httpRelyingParty(base, contoso, appId), user!, before.step);
    assert.equal(after.kid, before.kid, 'the restored install signs with the same key');
    assert.equal((await listCustomers(base, after.accessToken)).status, 200);
  } finally {
    await original.stop();
    await restored?.stop();
  }
}

function command(file: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

/** A Warden SQLite database with every migration but the last and a sealed signing key: an older Warden's. */
async function olderDatabase(file: string, secretKey: string): Promise<string> {
  const db = new Kysely<unknown>({ dialect: nodeSqliteDialect(file, { busyTimeoutMs: 1_000 }) });
  const names = knownMigrations();
  const { error } = await new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } }).migrateTo(
    names.at(-2)!,
  );
  assert.ifError(error);
  await ensureSigningKey(
    db as unknown as Db,
    new SecretBox(Buffer.from(secretKey, 'base64'), 'signing-keys'),
  );
  await db.destroy();
  return names.at(-1)!;
}

describe('Operations: backup and restore', { timeout: 120_000 }, () => {
  test('Operations: warden restore puts a warden backup into a fresh data dir; Warden starts on it, the user signs in, and a token signed before the backup still verifies', async () => {
    const file = join(temp('file'), 'warden.sqlite');
    await backupAndRestore({
      source: { WARDEN_DATA_DIR: temp('source') },
      async backup(secretKey) {
        const run = await new CliUser(undefined, {
          WARDEN_DATA_DIR: this.source.WARDEN_DATA_DIR,
          WARDEN_SECRET_KEY: secretKey,
        }).run(['backup', '--to', file]);
        assert.equal(run.code, 0, run.stderr);
      },
      async restore(secretKey) {
        const dataDir = temp('fresh');
        const run = await new CliUser(undefined, {
          WARDEN_DATA_DIR: dataDir,
          WARDEN_SECRET_KEY: secretKey,
        }).run(['restore', file, '--json']);
        assert.equal(run.code, 0, run.stderr);
        const report = JSON.parse(run.stdout);
        assert.equal(report.migrations, knownMigrations().length);
        assert.deepEqual(report.applied, []);
        assert.equal(statSync(join(dataDir, 'warden.sqlite')).mode & 0o777, 0o600);
        return { WARDEN_DATA_DIR: dataDir };
      },
    });
  });

  test('Operations: warden restore runs the migrations an older backup lacks, and refuses a data dir that has a database (unless --replace, which keeps the old one), a file that is no Warden database, a newer Warden’s backup and one sealed with another key', async () => {
    const secretKey = randomBytes(32).toString('base64');
    const restore = (dataDir: string, args: string[], key = secretKey) =>
      new CliUser(undefined, { WARDEN_DATA_DIR: dataDir, WARDEN_SECRET_KEY: key }).run(['restore', ...args]);
    const files = temp('files');
    const older = join(files, 'older.sqlite');
    const last = await olderDatabase(older, secretKey);

    const fresh = temp('fresh');
    const migrated = await restore(fresh, [older, '--json']);
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.deepEqual(JSON.parse(migrated.stdout).applied, [last]);

    // A data dir with a database: refused, untouched; --replace moves the old one aside.
    const again = await restore(fresh, [older]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /does not overwrite a database/);
    assert.deepEqual(
      readdirSync(fresh).filter((f) => f.startsWith('warden.sqlite.before-restore')),
      [],
    );
    const replaced = await restore(fresh, [older, '--replace', '--json']);
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.ok(existsSync(JSON.parse(replaced.stdout).replaced), 'the replaced database is kept');

    const refusals: [string, RegExp, string?][] = [];
    const text = join(files, 'notes.txt');
    writeFileSync(
      text,
      'not a database at all, but long enough to look like a file someone kept\n'.repeat(20),
    );
    refusals.push([text, /not a Warden database|not an SQLite database/]);
    const foreign = join(files, 'foreign.sqlite');
    const other = new DatabaseSync(foreign);
    other.exec('create table notes (body text)');
    other.close();
    refusals.push([foreign, /not a Warden database/]);
    const newer = join(files, 'newer.sqlite');
    await olderDatabase(newer, secretKey);
    const edit = new DatabaseSync(newer);
    edit.exec(`insert into kysely_migration (name, timestamp) values ('9999_from_the_future', '2030-01-01')`);
    edit.close();
    refusals.push([newer, /made by a newer Warden: migrations 9999_from_the_future/]);
    refusals.push([older, /sealed with another WARDEN_SECRET_KEY/, randomBytes(32).toString('base64')]);
    for (const [file, reason, key] of refusals) {
      const target = temp('refused');
      const result = await restore(target, [file], key);
      assert.equal(result.code, 1, `${file}: ${result.stderr}`);
      assert.match(result.stderr, reason);
      assert.ok(!existsSync(join(target, 'warden.sqlite')), `${file}: no database was made`);
    }
  });

  const postgres = process.env.WARDEN_TEST_DATABASE_URL;
  // The pg_dump/pg_restore path of docs/backups.md, where PostgreSQL's tools are installed.
  if (postgres && existsSync(join(PG_BIN, 'pg_dump')))
    test('Operations: PostgreSQL is backed up with the documented pg_dump and restored with pg_restore into a new database; Warden starts on it, the user signs in, and a token signed before the backup still verifies', async () => {
      const source = await testDatabase('warden_backup_source');
      const target = await testDatabase('warden_backup_target');
      const dump = join(temp('dump'), 'warden.dump');
      try {
        await backupAndRestore({
          source: { WARDEN_DATA_DIR: temp('pg-source'), DATABASE_URL: source.url! },
          async backup() {
            const run = await command(join(PG_BIN, 'pg_dump'), [
              '--format=custom',
              '--exclude-table-data=sign_in_flows',
              '--exclude-table-data=passkey_challenges',
              `--file=${dump}`,
              source.url!,
            ]);
            assert.equal(run.code, 0, run.stderr);
          },
          async restore() {
            const run = await command(join(PG_BIN, 'pg_restore'), [
              '--no-owner',
              '--exit-on-error',
              `--dbname=${target.url!}`,
              dump,
            ]);
            assert.equal(run.code, 0, run.stderr);
            return { WARDEN_DATA_DIR: temp('pg-fresh'), DATABASE_URL: target.url! };
          },
        });
      } finally {
        await source.drop();
        await target.drop();
      }
    });
});
