/**
 * What recording metrics costs the Partner API (issue 16 item 2, docs/benchmarks.md "Metrics"):
 *
 *   node bench/metrics.ts [--rounds=N] [--seconds=N] [--aa] [--401]
 *
 * Two Warden children side by side, one with metrics on (BENCH_METRICS=on: WARDEN_METRICS_PORT set,
 * every series recorded) and one without, the same App+User MFA `GET /v1/customers` load (8
 * connections) in interleaved rounds (ABBA, so drift in the machine's load falls on both sides):
 * server CPU per request and req/s, with ÷ without. --aa turns metrics on in both (an A/A check of
 * the noise); --401 sends the token without `mfa` instead (the refusal path). At the end the
 * metrics child is scraped once, to show the requests were counted. All traffic is on 127.0.0.1.
 */
import { Child, log, median } from './common.ts';
import { type ApiRun, fetchOnce, fixedToken, load, mintPartnerTokens } from './partner-api.ts';
import type { WardenInfo } from './servers/warden.ts';

const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const ROUNDS = Number(flag('rounds') ?? 6);
const SECONDS = Number(flag('seconds') ?? 5);
const aa = process.argv.includes('--aa');
const refusals = process.argv.includes('--401');
const CONNECTIONS = 8;
for (const [name, value] of Object.entries({ ROUNDS, SECONDS }))
  if (!Number.isInteger(value) || value < 1) {
    console.error(`${name.toLowerCase()} must be a positive integer`);
    process.exit(2);
  }

const start = (metrics: boolean) =>
  Child.start<WardenInfo>(
    new URL('./servers/warden.ts', import.meta.url),
    metrics ? { BENCH_METRICS: 'on' } : {},
  );
const on = await start(true);
const off = await start(aa);
try {
  const target = async (child: Child<WardenInfo>, name: string) => {
    const directUrl = `http://127.0.0.1:${child.port}`;
    const tokens = await mintPartnerTokens(
      { baseUrl: `http://localhost:${child.port}`, directUrl, contosoId: child.info.contosoId },
      1,
    );
    const token = refusals ? tokens.noMfa : tokens.mfa[0]!;
    const status = refusals ? 401 : 200;
    await fetchOnce(directUrl, token, status);
    return {
      name,
      url: directUrl,
      requests: fixedToken(token),
      status,
      cpu: () => child.call<number>({ cmd: 'cpu' }),
    };
  };
  const a = await target(on, 'metrics on');
  const b = await target(off, aa ? 'metrics on (A/A)' : 'metrics off');
  await load(a, CONNECTIONS, 2);
  await load(b, CONNECTIONS, 2);
  const cpu: number[] = [];
  const rps: number[] = [];
  const runs: { on: ApiRun; off: ApiRun }[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const [first, second] = round % 2 === 0 ? [a, b] : [b, a];
    const r1 = await load(first, CONNECTIONS, SECONDS);
    const r2 = await load(second, CONNECTIONS, SECONDS);
    const [w, o] = first === a ? [r1, r2] : [r2, r1];
    if (w.unexpected + o.unexpected > 0)
      throw new Error(`${w.unexpected + o.unexpected} unexpected responses`);
    runs.push({ on: w, off: o });
    cpu.push(w.serverCpuMs / o.serverCpuMs);
    rps.push(w.rps / o.rps);
    log(
      `round ${round + 1}: on ${w.rps.toFixed(0)} req/s, ${w.serverCpuMs.toFixed(3)} ms CPU/req, p99 ${w.p99} ms; off ${o.rps.toFixed(0)} req/s, ${o.serverCpuMs.toFixed(3)} ms CPU/req, p99 ${o.p99} ms; CPU ratio ${(w.serverCpuMs / o.serverCpuMs).toFixed(3)}`,
    );
  }
  const scraped = await fetch(`http://127.0.0.1:${on.info.metricsPort}/metrics`).then((r) => r.text());
  const counted = scraped
    .split('\n')
    .filter(
      (l) =>
        l.startsWith('warden_http_request_duration_seconds_count{') && l.includes('route="/v1/customers"'),
    )
    .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  const served = runs.reduce((n, r) => n + r.on.rps * SECONDS, 0);
  const result = {
    path: refusals ? '401 (no mfa)' : '200 (mfa)',
    aa,
    cpuRatio: { median: median(cpu), min: Math.min(...cpu), max: Math.max(...cpu) },
    rpsRatio: { median: median(rps), min: Math.min(...rps), max: Math.max(...rps) },
    onRps: median(runs.map((r) => r.on.rps)),
    offRps: median(runs.map((r) => r.off.rps)),
    onCpuMs: median(runs.map((r) => r.on.serverCpuMs)),
    offCpuMs: median(runs.map((r) => r.off.serverCpuMs)),
    countedByMetrics: counted,
    servedInRounds: Math.round(served),
  };
  log(
    `Partner API ${result.path}, metrics on ÷ ${aa ? 'on (A/A)' : 'off'}: CPU per request ${result.cpuRatio.median.toFixed(3)} (${result.cpuRatio.min.toFixed(3)}–${result.cpuRatio.max.toFixed(3)}), req/s ${result.rpsRatio.median.toFixed(3)} (${result.rpsRatio.min.toFixed(3)}–${result.rpsRatio.max.toFixed(3)}); /metrics counted ${counted} GET /v1/customers (rounds served ${result.servedInRounds}, plus warm-up)`,
  );
  console.log(JSON.stringify(result));
} finally {
  await on.stop();
  await off.stop();
}
