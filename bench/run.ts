/**
 * `npm run bench`: both benchmarks of docs/benchmarks.md in one run, side by side, with ratios.
 *
 *   node bench/run.ts [--quick] [--only=token|signin] [--profile] [--json]
 *
 * --quick    shorter runs (a smoke test; the figures are not the documented ones)
 * --profile  runs the Warden child with --cpu-prof; the profile lands in bench/profiles/
 * --json     also prints the raw results as one JSON line
 */

import { readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { Child, log } from './common.ts';
import type { BareInfo } from './servers/bare-provider.ts';
import type { BenchUser, WardenInfo } from './servers/warden.ts';
import {
  runSignInBenchmark,
  type SignInOptions,
  type SignInResult,
  summarizeSignIn,
  UserPool,
} from './sign-in.ts';
import {
  checkTokenTarget,
  clientCredentialsBody,
  runTokenBenchmark,
  summarizeToken,
  type TokenOptions,
} from './token-endpoint.ts';

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const only = [...args].find((a) => a.startsWith('--only='))?.slice('--only='.length);
const GOAL = 0.8;

const tokenOptions: TokenOptions = quick
  ? { connections: 8, warmupSeconds: 1, runSeconds: 2, rounds: 2 }
  : { connections: 8, warmupSeconds: 3, runSeconds: 5, rounds: 4 };
const signInOptions: SignInOptions = quick
  ? { concurrency: 4, warmupSeconds: 1, runSeconds: 2, rounds: 2, breakdownSignIns: 5 }
  : { concurrency: 4, warmupSeconds: 3, runSeconds: 5, rounds: 4, breakdownSignIns: 20 };
/** Each user signs in at most once per 30-second TOTP step: enough users for ~200 sign-ins/s. */
const USERS = Number(process.env.BENCH_USERS ?? 6000);

const version = (pkg: string) =>
  (
    JSON.parse(readFileSync(new URL(`../node_modules/${pkg}/package.json`, import.meta.url), 'utf8')) as {
      version: string;
    }
  ).version;

const machine = {
  cores: availableParallelism(),
  cpu: cpus()[0]?.model ?? 'unknown',
  node: process.version,
  oidcProvider: version('oidc-provider'),
  autocannon: version('autocannon'),
};

const started = performance.now();
log(
  `machine: ${machine.cores} cores (${machine.cpu}), node ${machine.node}, oidc-provider ${machine.oidcProvider}`,
);

const profileDir = new URL('./profiles/', import.meta.url).pathname;
const warden = await Child.start<WardenInfo>(
  new URL('./servers/warden.ts', import.meta.url),
  {},
  args.has('--profile') ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
);
const bare =
  only === 'signin'
    ? undefined
    : await Child.start<BareInfo>(new URL('./servers/bare-provider.ts', import.meta.url));

const rows: string[][] = [];
const raw: Record<string, unknown> = { machine };
const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const verdict = (ratio: number) => (ratio >= GOAL ? 'met' : 'NOT met');
let failed = false;
let breakdown: SignInResult['breakdown'] | undefined;

try {
  if (only !== 'signin' && bare) {
    const wardenTarget = {
      name: 'warden',
      url: `http://127.0.0.1:${warden.port}/${warden.info.contosoId}/oauth2/v2.0/token`,
      body: clientCredentialsBody(warden.info.automationClientId, warden.info.automationSecret),
      cpu: () => warden.call<number>({ cmd: 'cpu' }),
    };
    const bareTarget = {
      name: 'bare',
      url: `http://127.0.0.1:${bare.port}${bare.info.tokenPath}`,
      body: clientCredentialsBody(bare.info.clientId, bare.info.clientSecret),
      cpu: () => bare.call<number>({ cmd: 'cpu' }),
    };
    await checkTokenTarget(wardenTarget);
    await checkTokenTarget(bareTarget);
    const result = await runTokenBenchmark(wardenTarget, bareTarget, tokenOptions);
    const s = summarizeToken(result);
    raw.token = { options: tokenOptions, summary: s, result };
    if (s.failures > 0) failed = true;
    rows.push(
      [
        'Token endpoint (client credentials), Warden',
        `${fmt(s.wardenRps)} req/s`,
        `p50 ${fmt(s.wardenP50)} / p99 ${fmt(s.wardenP99)} ms`,
        `${fmt(s.wardenCpu, 2)} ms/req`,
        '',
        '',
      ],
      [
        'Token endpoint, bare oidc-provider',
        `${fmt(s.bareRps)} req/s`,
        `p50 ${fmt(s.bareP50)} / p99 ${fmt(s.bareP99)} ms`,
        `${fmt(s.bareCpu, 2)} ms/req`,
        '',
        '',
      ],
      [
        'Warden ÷ bare req/s (median of rounds)',
        '',
        '',
        '',
        `${fmt(s.ratio, 2)} (${fmt(s.minRatio, 2)}–${fmt(s.maxRatio, 2)})`,
        `≥ ${GOAL}: ${verdict(s.ratio)}${s.failures ? ` — ${s.failures} failed requests` : ''}`,
      ],
      ['  cross-check: bare ÷ Warden CPU per request', '', '', '', fmt(s.cpuRatio, 2), ''],
    );
  }

  if (only !== 'token') {
    const t = performance.now();
    const users = await warden.call<BenchUser[]>({ cmd: 'createUsers', count: USERS });
    log(
      `sign-in: ${users.length} users with password and TOTP created in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    const pool = new UserPool(users);
    const target = {
      baseUrl: `http://localhost:${warden.port}`,
      tenantId: warden.info.contosoId,
      password: warden.info.password,
    };
    const result = await runSignInBenchmark(
      target,
      pool,
      (durationMs, concurrency) => warden.call({ cmd: 'hash', durationMs, concurrency }),
      () => warden.call<number>({ cmd: 'cpu' }),
      signInOptions,
    );
    const s = summarizeSignIn(result);
    raw.signIn = {
      options: signInOptions,
      summary: s,
      requestsPerSignIn: result.requestsPerSignIn,
      poolWaits: result.poolWaits,
      breakdown: result.breakdown,
    };
    breakdown = result.breakdown;
    rows.push(
      [
        `Interactive sign-in (${result.requestsPerSignIn} HTTP requests, password + TOTP)`,
        `${fmt(s.signInRate, 1)} sign-ins/s`,
        `p50 ${fmt(s.p50)} / p99 ${fmt(s.p99)} ms`,
        `${fmt(s.serverCpuPerSignIn, 1)} ms (+ ${fmt(s.clientCpuPerSignIn, 1)} client)`,
        '',
        '',
      ],
      [
        'argon2id hash (m=19456, t=2, p=1), Warden process',
        `${fmt(s.hashRate, 1)} hashes/s`,
        '',
        `${fmt(s.serverCpuPerHash, 1)} ms`,
        '',
        '',
      ],
      [
        'sign-ins ÷ hashes (median of rounds)',
        '',
        '',
        '',
        `${fmt(s.ratio, 2)} (${fmt(s.minRatio, 2)}–${fmt(s.maxRatio, 2)})`,
        `≥ ${GOAL}: ${verdict(s.ratio)}${result.poolWaits ? ` — user pool ran dry ${result.poolWaits}×` : ''}`,
      ],
      ['  cross-check: Warden CPU per hash ÷ per sign-in', '', '', '', fmt(s.cpuRatio, 2), ''],
    );
  }
} catch (error) {
  failed = true;
  console.error(error);
} finally {
  await warden.stop();
  await bare?.stop();
}

const header = ['Benchmark', 'Throughput', 'Latency', 'Server CPU per op', 'Ratio (min–max)', 'Goal'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log('');
console.log(
  `Machine: ${machine.cores} cores (${machine.cpu}), node ${machine.node}, oidc-provider ${machine.oidcProvider}, autocannon ${machine.autocannon}`,
);
console.log(
  `Token: ${tokenOptions.connections} connections, ${tokenOptions.rounds} rounds × ${tokenOptions.runSeconds} s each server (ABBA), ${tokenOptions.warmupSeconds} s warm-up.` +
    ` Sign-in: ${signInOptions.concurrency} in flight, ${signInOptions.rounds} rounds × ${signInOptions.runSeconds} s each (ABBA), ${signInOptions.warmupSeconds} s warm-up.`,
);
console.log(line(header));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const row of rows) console.log(line(row));
if (breakdown) {
  console.log(
    `\nOne sign-in at a time (median of ${signInOptions.breakdownSignIns}): ${fmt(breakdown.totalMs, 1)} ms; one argon2id hash: ${fmt(breakdown.hashMs, 1)} ms`,
  );
  for (const step of breakdown.steps) {
    console.log(
      `  ${step.label.padEnd(34)} ${fmt(step.medianMs, 1).padStart(7)} ms  (×${step.count / signInOptions.breakdownSignIns} per sign-in)`,
    );
  }
}
console.log(
  `\nTotal ${((performance.now() - started) / 1000).toFixed(0)} s${quick ? ' (--quick: smoke test only)' : ''}`,
);
if (args.has('--json')) console.log(JSON.stringify(raw));
if (failed) process.exitCode = 1;
