/**
 * Benchmark 1: the token endpoint, client-credentials grant, Warden ÷ a bare oidc-provider.
 * Both servers are child processes (one event loop each); autocannon runs in this process.
 * Runs alternate Warden/bare in ABBA order so that drift of a noisy machine hits both alike.
 */
import autocannon from 'autocannon';
import { log, median } from './common.ts';

export interface TokenTarget {
  name: string;
  url: string;
  body: string;
  /** CPU time (ms) the server process has used so far. */
  cpu: () => Promise<number>;
}

export interface TokenOptions {
  connections: number;
  warmupSeconds: number;
  runSeconds: number;
  rounds: number;
}

export interface TokenRun {
  rps: number;
  /** Server CPU time per successful request (ms, all threads of the server process). */
  cpuMsPerRequest: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

export interface TokenResult {
  options: TokenOptions;
  warden: TokenRun[];
  bare: TokenRun[];
  /** Warden ÷ bare of each round (runs of a round are back to back). */
  ratios: number[];
}

const HEADERS = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };

export function clientCredentialsBody(clientId: string, clientSecret: string): string {
  return new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: clientId,
    client_secret: clientSecret,
    scope: 'urn:warden:partner-api/.default',
  }).toString();
}

/** One request by hand: the target must answer 200 with an RS256 JWT access token, or the numbers mean nothing. */
export async function checkTokenTarget(target: TokenTarget): Promise<Record<string, unknown>> {
  const response = await fetch(target.url, { method: 'POST', headers: HEADERS, body: target.body });
  const text = await response.text();
  if (response.status !== 200)
    throw new Error(`${target.name}: token endpoint answered ${response.status}: ${text}`);
  const json = JSON.parse(text) as { access_token?: string; token_type?: string };
  const [header, payload] = (json.access_token ?? '').split('.');
  if (!header || !payload) throw new Error(`${target.name}: access token is not a JWT: ${text}`);
  const h = JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: string };
  if (h.alg !== 'RS256') throw new Error(`${target.name}: access token alg is ${h.alg}`);
  return JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
}

async function load(target: TokenTarget, connections: number, seconds: number): Promise<TokenRun> {
  const cpuBefore = await target.cpu();
  const result = await autocannon({
    url: target.url,
    method: 'POST',
    headers: HEADERS,
    body: target.body,
    connections,
    pipelining: 1,
    duration: seconds,
    timeout: 10,
  });
  const cpu = (await target.cpu()) - cpuBefore;
  return {
    rps: result['2xx'] / result.duration,
    cpuMsPerRequest: cpu / result['2xx'],
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

export async function runTokenBenchmark(
  warden: TokenTarget,
  bare: TokenTarget,
  options: TokenOptions,
): Promise<TokenResult> {
  for (const target of [warden, bare]) {
    log(`token: warm-up ${target.name} ${options.warmupSeconds}s`);
    await load(target, options.connections, options.warmupSeconds);
  }
  const result: TokenResult = { options, warden: [], bare: [], ratios: [] };
  for (let round = 0; round < options.rounds; round++) {
    const order = round % 2 === 0 ? [warden, bare] : [bare, warden];
    const runs: Record<string, TokenRun> = {};
    for (const target of order) {
      const run = await load(target, options.connections, options.runSeconds);
      runs[target.name] = run;
      log(
        `token: round ${round + 1}/${options.rounds} ${target.name.padEnd(6)} ${run.rps.toFixed(0)} req/s` +
          ` p99 ${run.p99} ms, ${run.cpuMsPerRequest.toFixed(2)} ms CPU/req${run.non2xx || run.errors ? ` non2xx=${run.non2xx} errors=${run.errors}` : ''}`,
      );
    }
    result.warden.push(runs[warden.name]!);
    result.bare.push(runs[bare.name]!);
    result.ratios.push(runs[warden.name]!.rps / runs[bare.name]!.rps);
  }
  return result;
}

export function summarizeToken(result: TokenResult) {
  const pick = (runs: TokenRun[], key: keyof TokenRun) => median(runs.map((r) => r[key]));
  return {
    wardenRps: pick(result.warden, 'rps'),
    bareRps: pick(result.bare, 'rps'),
    wardenP50: pick(result.warden, 'p50'),
    bareP50: pick(result.bare, 'p50'),
    wardenP99: pick(result.warden, 'p99'),
    bareP99: pick(result.bare, 'p99'),
    wardenCpu: pick(result.warden, 'cpuMsPerRequest'),
    bareCpu: pick(result.bare, 'cpuMsPerRequest'),
    /** bare ÷ Warden CPU per request: the throughput ratio if both were CPU-bound on equal cores. */
    cpuRatio: median(result.warden.map((w, i) => result.bare[i]!.cpuMsPerRequest / w.cpuMsPerRequest)),
    ratio: median(result.ratios),
    minRatio: Math.min(...result.ratios),
    maxRatio: Math.max(...result.ratios),
    failures: [...result.warden, ...result.bare].reduce((n, r) => n + r.non2xx + r.errors, 0),
  };
}
