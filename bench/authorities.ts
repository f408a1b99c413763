/**
 * Authorities at 100,000 tenants (issue 16 item 3; docs/benchmarks.md "Authorities at 100,000
 * tenants"). A Warden child gets `tenants` customer tenants in bulk (bench/tenant-generator.ts),
 * then one client sends real HTTP requests, one at a time, to tenants drawn from a Zipf law
 * (s = 1: the k-th most used tenant is used 1/k as often as the first): OpenID discovery, and for
 * the tenants that have a client, some client-credentials token requests. It runs twice on the
 * same sequence: with the budget of authorities, and without one (every authority kept, as before
 * issue 16), and reports the child's RSS (max) and the latency of cold and warm requests.
 *
 * A request is cold when its tenant's authority is not held when it arrives. The client knows
 * that by replaying the same LRU (src/lru-cache.ts) with the same budget: requests go one at a
 * time and each touches one tenant, so the replay is the child's cache; the child's own count of
 * builds is printed beside it as a check.
 *
 *   node bench/run.ts --only=authorities [--tenants=100000] [--requests=100000] [--budget=2000]
 *                      [--rss-cap-mib=3072] [--quick] [--profile] [--json]
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_AUTHORITY_CACHE_SIZE } from '../src/config.ts';
import { LruCache } from '../src/lru-cache.ts';
import { Child, log, median, percentile } from './common.ts';
import type { WardenInfo } from './servers/warden.ts';
import type { BenchTenants } from './tenant-generator.ts';

export interface AuthoritiesOptions {
  tenants: number;
  requests: number;
  budget: number;
  /** Tenants (the most used ones) that have a client-credentials client. */
  clients: number;
  /** Of the requests to a tenant with a client, the share that asks for a token instead of discovery. */
  tokenShare: number;
  /** The run without a budget stops once the child's RSS passes this (it would grow to ~10 GB). */
  rssCapMiB: number;
  profileDir: string | undefined;
  /** --trace-gc: the child prints its garbage collections (where the latency tail comes from). */
  traceGc: boolean;
  /** --node-flag=…: V8/Node flags for the Warden child (e.g. --max-semi-space-size=16), repeatable. */
  nodeFlags: string[];
  /** --skip-unbounded: only the run with the budget. */
  skipUnbounded: boolean;
}

export interface PhaseResult {
  name: string;
  budget: number;
  requests: number;
  stoppedAt: number | undefined;
  distinctTenants: number;
  cold: Latencies;
  warm: Latencies;
  tokenCold: Latencies;
  tokenWarm: Latencies;
  rssMaxMiB: number;
  rssEndMiB: number;
  heapEndMiB: number;
  builds: number;
  evictions: number;
  replayedBuilds: number;
  seconds: number;
  failures: number;
  /** Answers other than 200 by status (503: load shedding on a busy machine). */
  failedStatuses: Record<number, number>;
}

export interface Latencies {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** A seeded generator (mulberry32), so both runs send the same sequence. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Ranks 0..n-1 drawn with P(k) ∝ 1/(k+1)^s, by binary search of the cumulative sums. */
function zipf(n: number, s: number, next: () => number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) {
    sum += 1 / (k + 1) ** s;
    cdf[k] = sum;
  }
  return () => {
    const u = next() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

function latencies(values: number[]): Latencies {
  return {
    count: values.length,
    p50: median(values),
    p99: percentile(values, 99),
    max: values.length ? Math.max(...values) : Number.NaN,
  };
}

/** The child's resident set (VmRSS) and its peak (VmHWM), MiB, from /proc. */
function rssOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

interface Stats {
  limit: number;
  size: number;
  builds: number;
  evictions: number;
  memory: NodeJS.MemoryUsage;
}

async function runPhase(name: string, budget: number, options: AuthoritiesOptions): Promise<PhaseResult> {
  const warden = await Child.start<WardenInfo>(
    new URL('./servers/warden.ts', import.meta.url),
    { WARDEN_AUTHORITY_CACHE_SIZE: String(budget) },
    [
      ...(options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : []),
      ...(options.traceGc ? ['--trace-gc'] : []),
      ...options.nodeFlags,
    ],
  );
  try {
    const made = await warden.call<BenchTenants>({
      cmd: 'createTenants',
      count: options.tenants,
      clients: options.clients,
    });
    log(`authorities/${name}: ${made.ids.length} tenants created in ${(made.createMs / 1000).toFixed(1)} s`);
    const base = `http://127.0.0.1:${warden.port}`;
    // The bulk insert held the child's event loop for seconds, and its load shedding answers 503
    // until its delay monitor has seen it catch up. An unknown tenant's answer (400) builds no
    // authority, so warming up this way leaves the cache empty for the measured requests.
    for (let ready = 0; ready < 200; ) {
      const answer = await fetch(`${base}/no-such-tenant.example/v2.0/.well-known/openid-configuration`);
      await answer.arrayBuffer();
      ready = answer.status === 400 ? ready + 1 : 0;
    }
    // Rank k is a random tenant (not creation order); the clients' tenants are the most used ones.
    const order = random(7);
    const ranked = [...made.ids];
    for (let i = ranked.length - 1; i > made.clients.length; i--) {
      const j = made.clients.length + Math.floor(order() * (i - made.clients.length + 1));
      [ranked[i], ranked[j]] = [ranked[j]!, ranked[i]!];
    }
    const clients = new Map(made.clients.map((c) => [c.tenantId, c]));
    const draw = zipf(ranked.length, 1, random(42));
    const coin = random(99);
    const replay = new LruCache<string, true>(budget);
    const seen = new Set<string>();
    const cold: number[] = [];
    const warm: number[] = [];
    const tokenCold: number[] = [];
    const tokenWarm: number[] = [];
    let failures = 0;
    const statuses = new Map<number, number>();
    let rssMax = 0;
    let stoppedAt: number | undefined;
    const pid = warden.process.pid!;
    const started = performance.now();
    for (let i = 0; i < options.requests; i++) {
      const tenant = ranked[draw()]!;
      const client = clients.get(tenant);
      const isCold = replay.get(tenant) === undefined;
      replay.set(tenant, true);
      seen.add(tenant);
      const asksToken = client !== undefined && coin() < options.tokenShare;
      const t = performance.now();
      const response = asksToken
        ? await fetch(`${base}/${tenant}/oauth2/v2.0/token`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({
              grant_type: 'client_credentials',
              client_id: client.clientId,
              client_secret: client.clientSecret,
              scope: 'urn:warden:graph/.default',
            }).toString(),
          })
        : await fetch(`${base}/${tenant}/v2.0/.well-known/openid-configuration`);
      await response.arrayBuffer();
      const ms = performance.now() - t;
      if (response.status !== 200) {
        failures++;
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      }
      (asksToken ? (isCold ? tokenCold : tokenWarm) : isCold ? cold : warm).push(ms);
      if (i % 500 === 0) {
        const { rss } = rssOf(pid);
        rssMax = Math.max(rssMax, rss);
        if (rss > options.rssCapMiB) {
          stoppedAt = i + 1;
          log(
            `authorities/${name}: RSS ${rss.toFixed(0)} MiB passed the cap after ${i + 1} requests; stopped`,
          );
          break;
        }
      }
      if (i % 20_000 === 0 && i > 0)
        log(`authorities/${name}: ${i} requests, ${seen.size} tenants, RSS ${rssOf(pid).rss.toFixed(0)} MiB`);
    }
    const seconds = (performance.now() - started) / 1000;
    const stats = await warden.call<Stats>({ cmd: 'authorities' });
    const { rss, peak } = rssOf(pid);
    return {
      name,
      budget,
      requests: stoppedAt ?? options.requests,
      stoppedAt,
      distinctTenants: seen.size,
      cold: latencies(cold),
      warm: latencies(warm),
      tokenCold: latencies(tokenCold),
      tokenWarm: latencies(tokenWarm),
      rssMaxMiB: Math.max(rssMax, peak),
      rssEndMiB: rss,
      heapEndMiB: stats.memory.heapUsed / 2 ** 20,
      builds: stats.builds,
      evictions: stats.evictions,
      replayedBuilds: cold.length + tokenCold.length,
      seconds,
      failures,
      failedStatuses: Object.fromEntries(statuses),
    };
  } finally {
    await warden.stop();
  }
}

/** Both runs: with the budget, then without one (every authority kept). */
export async function runAuthoritiesBenchmark(options: AuthoritiesOptions): Promise<PhaseResult[]> {
  const bounded = await runPhase(`budget ${options.budget}`, options.budget, options);
  if (options.skipUnbounded) return [bounded];
  const unbounded = await runPhase('no budget', options.tenants + 1_000, options);
  return [bounded, unbounded];
}

export function authoritiesOptions(args: string[], quick: boolean): AuthoritiesOptions {
  const number = (name: string, fallback: number) => {
    const value = args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
    const n = value === undefined ? fallback : Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
    return n;
  };
  return {
    tenants: number('tenants', quick ? 10_000 : 100_000),
    requests: number('requests', quick ? 10_000 : 100_000),
    budget: number('budget', quick ? 500 : DEFAULT_AUTHORITY_CACHE_SIZE),
    clients: number('clients', 100),
    tokenShare: 0.2,
    rssCapMiB: number('rss-cap-mib', 3072),
    profileDir: args.includes('--profile') ? new URL('./profiles/', import.meta.url).pathname : undefined,
    traceGc: args.includes('--trace-gc'),
    nodeFlags: args.filter((a) => a.startsWith('--node-flag=')).map((a) => a.slice('--node-flag='.length)),
    skipUnbounded: args.includes('--skip-unbounded'),
  };
}

/** The rows of bench/run.ts's table. */
export function authoritiesRows(results: PhaseResult[]): string[][] {
  const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
  const lat = (l: Latencies) => `p50 ${f(l.p50, 2)} / p99 ${f(l.p99, 2)} ms (${l.count})`;
  return results.flatMap((r) => [
    [
      `Authorities, ${r.name}: ${r.requests} requests${r.stoppedAt ? ' (stopped at the RSS cap)' : ''}, ${r.distinctTenants} tenants`,
      `${f(r.requests / r.seconds, 0)} req/s`,
      `RSS max ${f(r.rssMaxMiB, 0)} MiB (end ${f(r.rssEndMiB, 0)}, heap ${f(r.heapEndMiB, 0)})`,
      `${r.builds} built, ${r.evictions} evicted (replay: ${r.replayedBuilds})`,
      '',
      `RSS < 1024 MiB: ${r.rssMaxMiB < 1024 ? 'met' : 'NOT met'}${r.failures ? ` — ${r.failures} failed ${JSON.stringify(r.failedStatuses)}` : ''}`,
    ],
    [
      '  discovery, cold authority',
      '',
      lat(r.cold),
      '',
      '',
      `p99 < 5 ms: ${r.cold.p99 < 5 ? 'met' : 'NOT met'}`,
    ],
    ['  discovery, warm authority', '', lat(r.warm), '', '', ''],
    ['  token (client credentials), cold', '', lat(r.tokenCold), '', '', ''],
    ['  token (client credentials), warm', '', lat(r.tokenWarm), '', '', ''],
  ]);
}
