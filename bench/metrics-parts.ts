/**
 * The parts of what recording metrics adds to a request, each timed alone (issue 16 item 2,
 * docs/benchmarks.md "Metrics"): `node bench/metrics-parts.ts`.
 *
 * 1. Fastify's request path with and without the metrics' hooks (src/metrics/fastify-requests.ts),
 *    on one trivial route through inject, in alternating batches.
 * 2. A Kysely statement on SQLite with and without the `log` hook that times it into
 *    `warden_db_query_duration_seconds`.
 * 3. The cells themselves: one HTTP observation, one MFA-share increment, one query observation,
 *    and prom-client's own labelled counter for comparison.
 * Each figure is the median over rounds of µs per operation (wall time, one process, no I/O wait).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import Fastify from 'fastify';
import { Counter, Registry } from 'prom-client';
import { countFastifyRequests } from '../src/metrics/fastify-requests.ts';
import { Metrics } from '../src/metrics/metrics.ts';
import { openDatabase } from '../src/storage/database.ts';
import { log, median } from './common.ts';

const ROUNDS = 15;

async function timeIt(n: number, op: (i: number) => unknown): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < n; i++) await op(i);
  return ((performance.now() - start) * 1000) / n;
}

async function compare(name: string, n: number, a: (i: number) => unknown, b: (i: number) => unknown) {
  await timeIt(n, a);
  await timeIt(n, b);
  const as: number[] = [];
  const bs: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 2 === 0) {
      as.push(await timeIt(n, a));
      bs.push(await timeIt(n, b));
    } else {
      bs.push(await timeIt(n, b));
      as.push(await timeIt(n, a));
    }
  }
  const [ma, mb] = [median(as), median(bs)];
  log(`${name}: ${ma.toFixed(2)} µs with, ${mb.toFixed(2)} µs without: +${(ma - mb).toFixed(2)} µs`);
  return { with: ma, without: mb, added: ma - mb };
}

const metrics = new Metrics();
const results: Record<string, unknown> = {};

// 1. Fastify's hooks.
const build = async (instrumented: boolean) => {
  const app = Fastify();
  if (instrumented) countFastifyRequests(app, metrics.http);
  app.get('/v1/customers', async () => ({ items: [] }));
  await app.ready();
  return app;
};
const [withHooks, withoutHooks] = [await build(true), await build(false)];
const inject = (app: typeof withHooks) => () => app.inject({ method: 'GET', url: '/v1/customers' });
results.fastifyHooks = await compare(
  'Fastify request, metrics hooks',
  4000,
  inject(withHooks),
  inject(withoutHooks),
);

// 2. Kysely's log hook on SQLite.
const dirs = [mkdtempSync(`${tmpdir()}/warden-bench-q-`), mkdtempSync(`${tmpdir()}/warden-bench-q-`)];
const logged = await openDatabase({
  databaseUrl: undefined,
  dataDir: dirs[0]!,
  onQuery: (sql, s, ok) => metrics.query(sql, s, ok),
});
const plain = await openDatabase({ databaseUrl: undefined, dataDir: dirs[1]! });
const query = (db: typeof plain.db) => () => db.selectFrom('tenants').select('id').limit(1).execute();
results.kyselyLog = await compare('SQLite statement, query timing', 4000, query(logged.db), query(plain.db));
await logged.db.destroy();
await plain.db.destroy();
for (const dir of dirs) rmSync(dir, { recursive: true, force: true });

// 3. The cells.
const series = metrics.http.series('partner-api', '/v1/customers');
const registry = new Registry();
const labelled = new Counter({ name: 'x_total', help: 'x', labelNames: ['mfa'], registers: [registry] });
const noop = () => {};
const cell = async (name: string, op: (i: number) => void) =>
  (results[name] = await compare(name, 200_000, op, noop));
await cell('HTTP observation', (i) => series.observe('GET', 200, 1, 0.0002 + (i & 7) * 1e-5));
await cell('MFA-share increment', () => metrics.partnerApiAppUser(true));
await cell('query observation', (i) => metrics.query('select 1', (i & 3) * 1e-5, true));
await cell("prom-client's labelled counter", () => labelled.inc({ mfa: 'true' }));
console.log(JSON.stringify(results));
