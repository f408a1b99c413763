import { startWarden, type TestWarden } from './harness.ts';

/**
 * The harness's Warden (demo data, fresh database, frozen clock) with configuration of the test's
 * own, e.g. short database timeouts; `databaseUrl` may route the PostgreSQL URL elsewhere (a proxy).
 */
export function startConfiguredWarden(
  env: Record<string, string>,
  options: { databaseUrl?: (url: string) => string } = {},
): Promise<TestWarden> {
  return startWarden({ env, ...options });
}
