import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { createContext } from '../../src/app.ts';
import type { Clock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config.ts';
import type { WardenContext } from '../../src/context.ts';
import { type DemoData, seedDemoData } from '../../src/demo/demo-data.ts';
import { buildServer } from '../../src/http/server.ts';
import { freePort } from './server-process.ts';
import { makeTestCertificate, type TestCertificate, trustInThisProcess } from './tls.ts';

/**
 * A clock tests move by hand (STYLE 7: time is frozen, never slept). Each reading ticks one
 * millisecond, so events written in sequence keep their order in the logs.
 */
export class FrozenClock implements Clock {
  #now: number;
  // Starts just after a TOTP step boundary so the ms ticks never carry a code into the next step.
  constructor(start = Math.floor(Date.now() / 30_000) * 30_000 + 1_000) {
    this.#now = start;
  }
  now(): number {
    this.#now += 1;
    return this.#now;
  }
  advance(ms: number): void {
    this.#now += ms;
  }
}

export interface TestWarden {
  ctx: WardenContext;
  app: FastifyInstance;
  baseUrl: string;
  demo: DemoData;
  clock: FrozenClock;
  /** The self-signed certificate when started with `{ tls: true }`. */
  certificate: TestCertificate | undefined;
  /** The per-run PostgreSQL database (undefined on SQLite), before any `databaseUrl` routing. */
  databaseUrl: string | undefined;
  dataDir: string;
  issuer(tenantKey: string): string;
  stop(): Promise<void>;
}

/**
 * Starts a real Warden with the demo data on a fresh database: SQLite in a temp dir, or, when
 * WARDEN_TEST_DATABASE_URL names a PostgreSQL server, a database of its own created for this run.
 */
/**
 * A database of its own on the PostgreSQL server WARDEN_TEST_DATABASE_URL names, and how to drop
 * it; no URL (SQLite in the data dir) when the variable is unset.
 */
export async function testDatabase(
  prefix: string,
): Promise<{ url: string | undefined; drop(): Promise<void> }> {
  const adminUrl = process.env.WARDEN_TEST_DATABASE_URL;
  if (!adminUrl) return { url: undefined, drop: async () => {} };
  const name = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export interface WardenOptions {
  /**
   * Serve https with a fresh self-signed certificate (issue 4 item 3), trusted by this test
   * process; its files are in `certificate`.
   */
  tls?: boolean;
  /** Configuration of the test's own (e.g. short database timeouts), over the harness's. */
  env?: Record<string, string>;
  /** Routes the per-run PostgreSQL URL elsewhere (a proxy in front of it). */
  databaseUrl?: (url: string) => string;
}

export async function startWarden(options: WardenOptions = {}): Promise<TestWarden> {
  const port = await freePort();
  const certificate = options.tls ? makeTestCertificate() : undefined;
  if (certificate) trustInThisProcess(certificate.pem);
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-test-'));
  const { url, drop: dropDatabase } = await testDatabase('warden_test');
  const databaseUrl = url && options.databaseUrl ? options.databaseUrl(url) : url;
  const config = loadConfig({
    PORT: String(port),
    WARDEN_BASE_URL: `${certificate ? 'https' : 'http'}://localhost:${port}`,
    ...(certificate ? { WARDEN_TLS_CERT: certificate.certPath, WARDEN_TLS_KEY: certificate.keyPath } : {}),
    WARDEN_DATA_DIR: dataDir,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    // Test Wardens share a 2-core machine with another suite and browsers (.ci/run runs the two
    // databases' suites side by side): a second of event-loop delay there is the machine, not this
    // Warden. The guard itself is tested with its own limit (load-shedding.test.ts).
    WARDEN_MAX_EVENT_LOOP_DELAY_MS: '20000',
    ...options.env,
  });
  const clock = new FrozenClock();
  const ctx = await createContext(config, { clock });
  const demo = await seedDemoData(ctx);
  if (!demo) throw new Error('demo data was not created on a fresh database');
  const app = await buildServer(ctx);
  await app.listen({ port, host: '127.0.0.1' });
  return {
    ctx,
    app,
    baseUrl: config.baseUrl,
    demo,
    clock,
    certificate,
    databaseUrl: url,
    dataDir,
    issuer: (key) => `${config.baseUrl}/${demo.tenants[key]!.id}/v2.0`,
    stop: async () => {
      await app.close();
      await ctx.db.destroy();
      await dropDatabase();
      rmSync(dataDir, { recursive: true, force: true });
      if (certificate) rmSync(certificate.dir, { recursive: true, force: true });
    },
  };
}
