import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openDatabase } from '../src/storage/database.ts';
import { CliUser, serverEnvironment } from './support/cli.ts';

describe('Operations: the warden CLI on the server: migrate, demo reset, keys rotate', () => {
  let server: Awaited<ReturnType<typeof serverEnvironment>>;
  let admin: CliUser;
  before(async () => {
    server = await serverEnvironment();
    admin = new CliUser(undefined, server.env);
  });
  after(async () => {
    admin?.cleanup();
    await server?.cleanup();
  });

  async function withDb<T>(
    work: (db: Awaited<ReturnType<typeof openDatabase>>['db']) => Promise<T>,
  ): Promise<T> {
    const { db } = await openDatabase({ databaseUrl: server.env.DATABASE_URL, dataDir: server.dataDir });
    try {
      return await work(db);
    } finally {
      await db.destroy();
    }
  }

  test('Operations: warden migrate applies every migration to a new database and names them; a second run applies none', async () => {
    const first = await admin.run(['migrate', '--json']);
    assert.equal(first.code, 0, first.stderr);
    const report = JSON.parse(first.stdout);
    assert.equal(report.database, server.env.DATABASE_URL ? 'postgres' : 'sqlite');
    assert.ok(report.applied.length >= 3);
    assert.equal(report.applied[0], '0001_identity_core');
    assert.deepEqual(
      report.migrations.map((m: { name: string }) => m.name),
      report.applied,
    );
    const second = await admin.run(['migrate']);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /database is up to date; nothing to apply/);
  });

  test('Operations: demo reset needs --yes (exit 2) and is refused in production mode (exit 1), touching nothing', async () => {
    const unconfirmed = await admin.run(['demo', 'reset']);
    assert.equal(unconfirmed.code, 2);
    assert.match(unconfirmed.stderr, /needs --yes/);
    const production = await new CliUser(undefined, {
      ...server.env,
      WARDEN_MODE: 'production',
      WARDEN_SECRET_KEY: randomBytes(32).toString('base64'),
    }).run(['demo', 'reset', '--yes']);
    assert.equal(production.code, 1);
    assert.match(production.stderr, /refused: WARDEN_MODE is production/);
    assert.equal(
      await withDb((db) => db.selectFrom('tenants').select('id').execute()).then((r) => r.length),
      0,
    );
  });

  test('Operations: demo reset --yes wipes and re-creates the demo in one go: same set, new ids, demo.json rewritten', async () => {
    const first = await admin.run(['demo', 'reset', '--yes', '--json']);
    assert.equal(first.code, 0, first.stderr);
    const demo1 = JSON.parse(first.stdout);
    assert.ok(demo1.users['jane@contoso.example'].id);
    // Data added after the first reset is gone after the second.
    await withDb((db) =>
      db
        .updateTable('users')
        .set({ display_name: 'Changed' })
        .where('user_principal_name', '=', 'jane@contoso.example')
        .execute(),
    );
    const second = await admin.run(['demo', 'reset', '--yes']);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /Demo data re-created \(\d+ tables emptied first\)/);
    const demo2 = JSON.parse(readFileSync(join(server.dataDir, 'demo.json'), 'utf8'));
    assert.notEqual(demo2.users['jane@contoso.example'].id, demo1.users['jane@contoso.example'].id);
    assert.deepEqual(Object.keys(demo2.users).sort(), Object.keys(demo1.users).sort());
    assert.equal(statSync(join(server.dataDir, 'demo.json')).mode & 0o777, 0o600);
    const rows = await withDb(async (db) => ({
      tenants: await db.selectFrom('tenants').select('id').execute(),
      jane: await db
        .selectFrom('users')
        .select(['id', 'display_name'])
        .where('user_principal_name', '=', 'jane@contoso.example')
        .execute(),
    }));
    assert.equal(rows.tenants.length, Object.keys(demo2.tenants).length);
    assert.deepEqual(
      rows.jane.map((r) => ({ ...r })),
      [{ id: demo2.users['jane@contoso.example'].id, display_name: 'Jane Doe' }],
    );
  });

  test('Operations: keys rotate publishes a new key ahead of signing; --now makes it sign at once and keeps the previous one published', async () => {
    const active = () =>
      withDb((db) => db.selectFrom('signing_keys').select(['kid', 'status']).orderBy('created_at').execute());
    const before = await active();
    const signer = before.find((k) => k.status === 'active')?.kid;
    const rotated = await admin.run(['keys', 'rotate', '--json']);
    assert.equal(rotated.code, 0, rotated.stderr);
    const staged = JSON.parse(rotated.stdout) as { kid: string; signsFrom: string };
    assert.ok(Date.parse(staged.signsFrom) - Date.now() > 9 * 60_000, 'signs about 10 minutes later');
    let after = await active();
    assert.equal(after.find((k) => k.kid === staged.kid)?.status, 'next');
    assert.equal(after.find((k) => k.status === 'active')?.kid, signer, 'the active key still signs');
    const now = await admin.run(['keys', 'rotate', '--now', '--json']);
    assert.equal(now.code, 0, now.stderr);
    const { kid } = JSON.parse(now.stdout) as { kid: string };
    after = await active();
    assert.equal(after.find((k) => k.status === 'active')?.kid, kid);
    assert.ok(!after.some((k) => k.kid === staged.kid), 'the pending key that never signed is gone');
    assert.ok(!before.some((k) => k.kid === kid));
    for (const old of before) assert.equal(after.find((k) => k.kid === old.kid)?.status, 'retired');
    // The npm script is the same command.
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    assert.equal(pkg.scripts['keys:rotate'], 'node src/cli/warden.ts keys rotate');
  });
});
