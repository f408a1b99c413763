import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContext } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { seedDemoData } from '../../src/demo/demo-data.ts';
import { buildServer } from '../../src/http/server.ts';
import { FrozenClock, type TestWarden, testDatabase } from './harness.ts';
import { freePort } from './server-process.ts';

/**
 * The harness's Warden (demo data, fresh database, frozen clock) with configuration of the test's
 * own, e.g. short database timeouts; `databaseUrl` may route the PostgreSQL URL elsewhere (a proxy).
 */
export async function startConfiguredWarden(
  env: Record<string, string>,
  options: { databaseUrl?: (url: string) => string } = {},
): Promise<TestWarden & { databaseUrl: string | undefined; dataDir: string }> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-test-'));
  const { url, drop } = await testDatabase('warden_test');
  const databaseUrl = url && options.databaseUrl ? options.databaseUrl(url) : url;
  const config = loadConfig({
    PORT: String(port),
    WARDEN_BASE_URL: `http://localhost:${port}`,
    WARDEN_DATA_DIR: dataDir,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...env,
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
    certificate: undefined,
    databaseUrl: url,
    dataDir,
    issuer: (key) => `${config.baseUrl}/${demo.tenants[key]!.id}/v2.0`,
    stop: async () => {
      await app.close();
      await ctx.db.destroy();
      await drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
