import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { isUniqueViolation, openDatabase } from '../src/storage/database.ts';
import { migration as oneActiveSigningKey } from '../src/storage/migrations/0008_one_active_signing_key.ts';
import { testDatabase } from './support/harness.ts';
import { freePort, ServerProcess } from './support/server-process.ts';

const INSTANCES = 4;

/**
 * Several instances behind one load balancer start together on a new database (README "Run in
 * production"): the first-start work (migrations, the first signing key, the demo data) must be
 * done once, whoever wins, and every instance must come up.
 */
async function startTogether(mode: 'demo' | 'production') {
  const { url, drop } = await testDatabase('warden_first_start');
  // SQLite: one data dir, one file. PostgreSQL: one data dir per instance, as on separate hosts.
  const shared = mkdtempSync(join(tmpdir(), 'warden-first-start-'));
  const dirs = Array.from({ length: INSTANCES }, (_, i) =>
    url ? mkdtempSync(join(tmpdir(), `warden-first-start-${i}-`)) : shared,
  );
  const env: NodeJS.ProcessEnv = {
    ...(url ? { DATABASE_URL: url } : {}),
    // Instances on separate hosts share the key through configuration; on one data dir demo mode
    // makes it (once) in the data dir.
    ...(mode === 'production' || url ? { WARDEN_SECRET_KEY: randomBytes(32).toString('base64') } : {}),
    ...(mode === 'production' ? { WARDEN_MODE: 'production' } : {}),
  };
  const ports = await Promise.all(dirs.map(() => freePort()));
  const servers = dirs.map(
    (dir, i) =>
      new ServerProcess(ports[i]!, {
        ...env,
        WARDEN_DATA_DIR: dir,
        // One public URL, as behind a load balancer.
        WARDEN_BASE_URL: `http://127.0.0.1:${ports[0]}`,
      }),
  );
  const cleanup = async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await drop();
    for (const dir of new Set([shared, ...dirs])) rmSync(dir, { recursive: true, force: true });
  };
  return { url, dataDir: shared, servers, cleanup };
}

async function readBack(url: string | undefined, dataDir: string) {
  const { db } = await openDatabase({ databaseUrl: url, dataDir });
  try {
    return {
      keys: await db.selectFrom('signing_keys').select(['kid', 'status']).execute(),
      tenants: await db.selectFrom('tenants').select(['id', 'domain']).execute(),
      users: await db.selectFrom('users').select('user_principal_name').execute(),
      applications: await db.selectFrom('applications').select(['id', 'client_id_alias']).execute(),
    };
  } finally {
    await db.destroy();
  }
}

describe('Operations: first start on an empty database', { timeout: 240_000 }, () => {
  test(`Operations: ${INSTANCES} instances starting at once on an empty database in demo mode all come up, with one active signing key and the demo data once`, async () => {
    const { url, dataDir, servers, cleanup } = await startTogether('demo');
    try {
      const results = await Promise.allSettled(servers.map((s) => s.running));
      const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [servers[i]!.output] : []));
      assert.deepEqual(failed, [], 'every instance serves');

      const stored = await readBack(url, dataDir);
      assert.equal(stored.keys.filter((k) => k.status === 'active').length, 1, 'one active signing key');
      assert.equal(stored.keys.length, 1, 'no key was made and retired on the way');
      const domains = stored.tenants.map((t) => t.domain).sort();
      assert.deepEqual(domains, [...new Set(domains)], 'each demo tenant once');
      assert.ok(domains.includes('contoso.example'));
      assert.ok(stored.users.some((u) => u.user_principal_name === 'jane@contoso.example'));
      assert.equal(
        stored.applications.filter((a) => a.client_id_alias === 'warden-partner-center').length,
        1,
        'the dashboard registered once',
      );
      assert.equal(
        servers.filter((s) => s.output.includes('Demo data created')).length,
        1,
        'one instance created the demo data',
      );

      // Every instance signs with, and publishes, that one key.
      const published = await Promise.all(
        servers.map(async (s) => {
          const response = await fetch(`${s.baseUrl}/contoso.example/discovery/v2.0/keys`);
          assert.equal(response.status, 200);
          const { keys } = (await response.json()) as { keys: { kid: string }[] };
          return keys.map((k) => k.kid);
        }),
      );
      for (const kids of published) assert.deepEqual(kids, [stored.keys[0]!.kid]);
    } finally {
      await cleanup();
    }
  });

  test(`Operations: ${INSTANCES} instances starting at once on an empty database in production mode all come up with one active signing key and no demo data`, async () => {
    const { url, dataDir, servers, cleanup } = await startTogether('production');
    try {
      const results = await Promise.allSettled(servers.map((s) => s.running));
      const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [servers[i]!.output] : []));
      assert.deepEqual(failed, [], 'every instance serves');
      const stored = await readBack(url, dataDir);
      assert.equal(stored.keys.filter((k) => k.status === 'active').length, 1, 'one active signing key');
      assert.equal(stored.keys.length, 1);
      assert.deepEqual(stored.tenants, []);
      for (const s of servers) {
        const response = await fetch(`${s.baseUrl}/healthz`);
        assert.equal(response.status, 200);
      }
    } finally {
      await cleanup();
    }
  });

  test('Operations: one active signing key is a database rule (migration 0008): the newest of several stays active, the others are retired, a second is refused', async () => {
    const { url, drop } = await testDatabase('warden_one_key');
    const dataDir = mkdtempSync(join(tmpdir(), 'warden-one-key-'));
    const { db } = await openDatabase({ databaseUrl: url, dataDir });
    try {
      const key = (kid: string, createdAt: number) => ({
        kid,
        alg: 'RS256',
        private_jwk_sealed: 'sealed',
        status: 'active' as const,
        created_at: createdAt,
        retired_at: null,
      });
      await db.insertInto('signing_keys').values(key('first', 1_000)).execute();
      await assert.rejects(db.insertInto('signing_keys').values(key('second', 2_000)).execute(), (error) =>
        isUniqueViolation(error),
      );

      // A database from before the rule, where two instances each made an active key.
      await db.schema.dropIndex('signing_keys_one_active').execute();
      await db
        .insertInto('signing_keys')
        .values([key('second', 2_000), key('third', 3_000)])
        .execute();
      // Migration 0008 run again over that database (later migrations stay applied).
      await oneActiveSigningKey.up(db as never);
      const keys = await db
        .selectFrom('signing_keys')
        .select(['kid', 'status', 'retired_at'])
        .orderBy('kid')
        .execute();
      assert.deepEqual(
        keys.map((k) => [k.kid, k.status, k.retired_at !== null]),
        [
          ['first', 'retired', true],
          ['second', 'retired', true],
          ['third', 'active', false],
        ],
      );
    } finally {
      await db.destroy();
      await drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
