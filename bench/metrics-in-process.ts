/**
 * What recording metrics costs a Partner API request, measured where the machine's other load
 * cannot tell the two sides apart (issue 16 item 2, docs/benchmarks.md "Metrics"):
 *
 *   node bench/metrics-in-process.ts [--rounds=N] [--requests=N] [--aa] [--401]
 *
 * Two Wardens in this one process (SQLite, demo data), one with metrics on and one without. The
 * same App+User MFA `GET /v1/customers` goes to each through Fastify's inject (the whole request
 * path from routing to the response: hooks, the gate, the query, the request log, the metrics; not
 * the socket), 8 at a time, in batches alternating A B B A …; this process's CPU per request is
 * compared batch by batch. bench/metrics.ts is the same comparison over real HTTP, in two child
 * processes: it includes the socket, but on a busy machine its rounds scatter far more.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContext } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { seedDemoData } from '../src/demo/demo-data.ts';
import { buildServer } from '../src/http/server.ts';
import { freePort, log, median } from './common.ts';
import { mintPartnerTokens } from './partner-api.ts';

const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const ROUNDS = Number(flag('rounds') ?? 20);
const REQUESTS = Number(flag('requests') ?? 4000);
const aa = process.argv.includes('--aa');
const refusals = process.argv.includes('--401');
const CONCURRENCY = 8;

async function warden(metrics: boolean) {
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-bench-metrics-'));
  const port = await freePort();
  const config = loadConfig({
    PORT: String(port),
    WARDEN_BASE_URL: `http://localhost:${port}`,
    WARDEN_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    ...(metrics ? { WARDEN_METRICS_PORT: String(await freePort()) } : {}),
  });
  const ctx = await createContext(config);
  const demo = await seedDemoData(ctx);
  const app = await buildServer(ctx);
  await app.listen({ port, host: '127.0.0.1' });
  const tokens = await mintPartnerTokens(
    { baseUrl: config.baseUrl, directUrl: `http://127.0.0.1:${port}`, contosoId: demo!.tenants.contoso!.id },
    1,
  );
  const token = refusals ? tokens.noMfa : tokens.mfa[0]!;
  const expected = refusals ? 401 : 200;
  const stop = async () => {
    await app.close();
    await ctx.db.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  };
  const request = async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/v1/customers',
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    });
    if (response.statusCode !== expected)
      throw new Error(`answered ${response.statusCode}: ${response.body}`);
  };
  return { metrics, request, stop };
}

/** This process's CPU (user + system) per request, ms, over `REQUESTS` requests 8 at a time. */
async function batch(target: Awaited<ReturnType<typeof warden>>): Promise<number> {
  let left = REQUESTS;
  const worker = async () => {
    while (left-- > 0) await target.request();
  };
  const before = process.cpuUsage();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / REQUESTS;
}

const on = await warden(true);
const off = await warden(aa);
try {
  await batch(on);
  await batch(off);
  const ratios: number[] = [];
  const onMs: number[] = [];
  const offMs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const first = round % 2 === 0 ? on : off;
    const second = first === on ? off : on;
    const a = await batch(first);
    const b = await batch(second);
    const [w, o] = first === on ? [a, b] : [b, a];
    onMs.push(w);
    offMs.push(o);
    ratios.push(w / o);
  }
  const result = {
    path: refusals ? '401 (no mfa)' : '200 (mfa)',
    aa,
    cpuRatio: { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) },
    onCpuMs: median(onMs),
    offCpuMs: median(offMs),
    rounds: ROUNDS,
    requestsPerBatch: REQUESTS,
  };
  log(
    `Partner API ${result.path} in process, metrics on ÷ ${aa ? 'on (A/A)' : 'off'}: CPU per request ${result.cpuRatio.median.toFixed(3)} (${result.cpuRatio.min.toFixed(3)}–${result.cpuRatio.max.toFixed(3)} over ${ROUNDS} rounds); ${result.onCpuMs.toFixed(4)} ms on, ${result.offCpuMs.toFixed(4)} ms off`,
  );
  console.log(JSON.stringify(result));
} finally {
  await on.stop();
  await off.stop();
}
