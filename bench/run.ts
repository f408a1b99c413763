/**
 * `npm run bench`: the benchmarks of docs/benchmarks.md in one run, side by side, with ratios.
 *
 *   node bench/run.ts [--quick] [--only=token|signin|partner-api|aobo|authorities] [--profile] [--json]
 *   node bench/run.ts partner-api [...]   (the same as --only=partner-api)
 *
 * --quick    shorter runs (a smoke test; the figures are not the documented ones)
 * --connections=N  the Partner API runs with N connections instead of 8 (1: one request at a time)
 * --profile  runs the Warden child with --cpu-prof; the profile lands in bench/profiles/
 * --json     also prints the raw results as one JSON line
 *
 * `--only=authorities` (bench/authorities.ts: 100,000 tenants in a Zipf pattern, ~10 min) runs only
 * when asked for: `npm run bench` does not include it.
 */

import { readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import {
  AOBO_PATH,
  type AoboOptions,
  graphRequest,
  graphTokenAt,
  runAoboBenchmark,
  summarizeAobo,
} from './aobo.ts';
import { authoritiesOptions, authoritiesRows, runAuthoritiesBenchmark } from './authorities.ts';
import { Child, log } from './common.ts';
import {
  fetchOnce,
  fixedToken,
  mintPartnerTokens,
  type PartnerApiOptions,
  rotatingTokens,
  runPartnerApiBenchmark,
  summarizePartnerApi,
} from './partner-api.ts';
import type { BareFastifyInfo } from './servers/bare-fastify.ts';
import type { BareInfo } from './servers/bare-provider.ts';
import type { ConventionalInfo } from './servers/conventional-fastify.ts';
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
const only =
  [...args].find((a) => a.startsWith('--only='))?.slice('--only='.length) ??
  [...args].find((a) => !a.startsWith('--'));
if (only !== undefined && !['token', 'signin', 'partner-api', 'aobo', 'authorities'].includes(only)) {
  console.error(`unknown benchmark ${only}: token, signin, partner-api, aobo or authorities`);
  process.exit(2);
}
// The authorities benchmark (issue 16 item 3) takes minutes: it runs only when named.
const runs = (name: string) => (only === undefined && name !== 'authorities') || only === name;
const GOAL = 0.8;
/** Issue 3 item 6: the Partner API at ≥ 0.7 of a bare Fastify route. */
const API_GOAL = 0.7;
/** Issue 16 item 5: the Partner API at ≥ 1.5 × a conventional service that verifies the JWT with jose per request. */
const CONVENTIONAL_GOAL = 1.5;

const tokenOptions: TokenOptions = quick
  ? { connections: 8, warmupSeconds: 1, runSeconds: 2, rounds: 2 }
  : { connections: 8, warmupSeconds: 3, runSeconds: 5, rounds: 4 };
const signInOptions: SignInOptions = quick
  ? { concurrency: 4, warmupSeconds: 1, runSeconds: 2, rounds: 2, breakdownSignIns: 5 }
  : { concurrency: 4, warmupSeconds: 3, runSeconds: 5, rounds: 4, breakdownSignIns: 20 };
const apiConnections = Number(
  [...args].find((a) => a.startsWith('--connections='))?.slice('--connections='.length) ?? 8,
);
if (!Number.isInteger(apiConnections) || apiConnections < 1) {
  console.error('--connections must be a positive integer');
  process.exit(2);
}
const apiOptions: PartnerApiOptions = quick
  ? { connections: apiConnections, warmupSeconds: 1, runSeconds: 2, rounds: 2, tokens: 1000 }
  : { connections: apiConnections, warmupSeconds: 3, runSeconds: 5, rounds: 4, tokens: 1000 };
const aoboOptions: AoboOptions = quick
  ? { connections: apiConnections, warmupSeconds: 1, runSeconds: 2, rounds: 2 }
  : { connections: apiConnections, warmupSeconds: 3, runSeconds: 5, rounds: 4 };
/** Issue 11 item 10: a Graph call with an AOBO token at ≥ 0.9 of the customer's own administrator's. */
const AOBO_GOAL = 0.9;
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

if (runs('authorities')) {
  // Its own Warden children (one with the budget, one without); none of the others' servers.
  const options = authoritiesOptions(process.argv.slice(2), quick);
  const results = await runAuthoritiesBenchmark(options);
  const rows = authoritiesRows(results);
  const header = ['Benchmark', 'Throughput', 'Latency / memory', 'Authorities', '', 'Goal'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(
    `\nMachine: ${machine.cores} cores (${machine.cpu}), node ${machine.node}, oidc-provider ${machine.oidcProvider}`,
  );
  console.log(
    `Authorities: ${options.tenants} tenants, ${options.requests} requests one at a time, Zipf s=1; ${options.clients} tenants with a client, ${options.tokenShare * 100} % of their requests ask for a token.`,
  );
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(row));
  console.log(`\nTotal ${((performance.now() - started) / 1000).toFixed(0)} s${quick ? ' (--quick)' : ''}`);
  if (args.has('--json')) console.log(JSON.stringify({ machine, options, results }));
  process.exit(results.some((r) => r.failures > 0) ? 1 : 0);
}

const profileDir = new URL('./profiles/', import.meta.url).pathname;
const warden = await Child.start<WardenInfo>(
  new URL('./servers/warden.ts', import.meta.url),
  {},
  args.has('--profile') ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
);
const bare = runs('token')
  ? await Child.start<BareInfo>(new URL('./servers/bare-provider.ts', import.meta.url))
  : undefined;
/** Started once Warden's answer to GET /v1/customers is known (it serves the same bytes). */
let bareFastify: Child<BareFastifyInfo> | undefined;
/** The conventional peer (jose on every request, the same query), started beside the bare route. */
let conventional: Child<ConventionalInfo> | undefined;

const rows: string[][] = [];
const raw: Record<string, unknown> = { machine };
const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const verdict = (ratio: number) => (ratio >= GOAL ? 'met' : 'NOT met');
let failed = false;
let breakdown: SignInResult['breakdown'] | undefined;

try {
  if (runs('token') && bare) {
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

  if (runs('signin')) {
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
      () => warden.call<number>({ cmd: 'loop' }),
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
        `${fmt(s.serverCpuPerSignIn, 1)} ms (+ ${fmt(s.clientCpuPerSignIn, 1)} client; event loop ${fmt(s.serverLoopPerSignIn, 1)})`,
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

  if (runs('partner-api')) {
    const t = performance.now();
    const directUrl = `http://127.0.0.1:${warden.port}`;
    const tokens = await mintPartnerTokens(
      { baseUrl: `http://localhost:${warden.port}`, directUrl, contosoId: warden.info.contosoId },
      apiOptions.tokens,
    );
    log(
      `partner-api: Jane and John signed in; ${tokens.mfa.length - 1} refresh-token redemptions in ${(tokens.mintMs / 1000).toFixed(1)} s` +
        ` (${fmt(tokens.mintMs / (tokens.mfa.length - 1), 1)} ms each); ${tokens.mfa.length} distinct MFA tokens` +
        ` (total ${((performance.now() - t) / 1000).toFixed(1)} s)`,
    );
    const jane = tokens.mfa[0]!;
    const answer = await fetchOnce(directUrl, jane, 200);
    await fetchOnce(directUrl, tokens.noMfa, 401);
    bareFastify = await Child.start<BareFastifyInfo>(new URL('./servers/bare-fastify.ts', import.meta.url), {
      BENCH_BODY: answer.body,
      BENCH_CONTENT_TYPE: answer.contentType,
    });
    const bareUrl = `http://127.0.0.1:${bareFastify.port}`;
    const bareAnswer = await fetchOnce(bareUrl, jane, 200);
    if (bareAnswer.body !== answer.body) throw new Error('the bare server does not send the same body');
    log(`partner-api: GET /v1/customers answers ${Buffer.byteLength(answer.body)} bytes of JSON`);
    const claims = JSON.parse(Buffer.from(jane.split('.')[1] ?? '', 'base64url').toString()) as {
      iss: string;
      aud: string | string[];
    };
    conventional = await Child.start<ConventionalInfo>(
      new URL('./servers/conventional-fastify.ts', import.meta.url),
      {
        BENCH_ISSUER: claims.iss,
        BENCH_AUDIENCE: Array.isArray(claims.aud) ? (claims.aud[0] ?? '') : claims.aud,
        BENCH_JWKS_URL: `${directUrl}/${warden.info.contosoId}/discovery/v2.0/keys`,
        BENCH_DATA_DIR: warden.info.dataDir,
      },
    );
    const conventionalUrl = `http://127.0.0.1:${conventional.port}`;
    if ((await fetchOnce(conventionalUrl, jane, 200)).body !== answer.body)
      throw new Error('the conventional peer does not send the same body');
    await fetchOnce(conventionalUrl, tokens.noMfa, 401);
    const wardenCpu = () => warden.call<number>({ cmd: 'cpu' });
    const bareChild = bareFastify;
    const bareCpu = () => bareChild.call<number>({ cmd: 'cpu' });
    const conventionalChild = conventional;
    const conventionalCpu = () => conventionalChild.call<number>({ cmd: 'cpu' });
    const result = await runPartnerApiBenchmark(
      {
        warden: {
          name: 'warden (1 token)',
          url: directUrl,
          requests: fixedToken(jane),
          status: 200,
          cpu: wardenCpu,
        },
        bare: { name: 'bare (1 token)', url: bareUrl, requests: fixedToken(jane), status: 200, cpu: bareCpu },
        wardenRotating: {
          name: `warden (${tokens.mfa.length} tokens)`,
          url: directUrl,
          requests: rotatingTokens(tokens.mfa),
          status: 200,
          cpu: wardenCpu,
        },
        bareRotating: {
          name: `bare (${tokens.mfa.length} tokens)`,
          url: bareUrl,
          requests: rotatingTokens(tokens.mfa),
          status: 200,
          cpu: bareCpu,
        },
        warden401: {
          name: 'warden (no mfa → 401)',
          url: directUrl,
          requests: fixedToken(tokens.noMfa),
          status: 401,
          cpu: wardenCpu,
        },
        conventional: {
          name: 'conventional (1 token)',
          url: conventionalUrl,
          requests: fixedToken(jane),
          status: 200,
          cpu: conventionalCpu,
        },
      },
      apiOptions,
    );
    const s = summarizePartnerApi(result);
    raw.partnerApi = {
      options: apiOptions,
      bodyBytes: Buffer.byteLength(answer.body),
      mintMsPerRefresh: tokens.mintMs / (tokens.mfa.length - 1),
      summary: s,
      result,
    };
    if (s.failures > 0) failed = true;
    const perf = (label: string, r: (typeof s)['warden']) => [
      label,
      `${fmt(r.rps)} req/s`,
      `p50 ${fmt(r.p50)} / p99 ${fmt(r.p99)} ms`,
      `${fmt(r.serverCpu, 3)} ms/req`,
      '',
      '',
    ];
    const ratio = (label: string, r: (typeof s)['single'], goal: string) => [
      label,
      '',
      '',
      '',
      `${fmt(r.ratio, 2)} (${fmt(r.min, 2)}–${fmt(r.max, 2)})`,
      goal,
    ];
    const cross = (label: string, value: number) => [
      `  cross-check: ${label}`,
      '',
      '',
      '',
      fmt(value, 2),
      '',
    ];
    const apiVerdict = (r: number, goal: number) => `≥ ${goal}: ${r >= goal ? 'met' : 'NOT met'}`;
    rows.push(
      perf('Partner API GET /v1/customers, Warden (1 MFA token)', s.warden),
      perf('GET /v1/customers, bare Fastify (same bytes)', s.bare),
      ratio(
        'Warden ÷ bare req/s (median of rounds)',
        s.single,
        `${apiVerdict(s.single.ratio, API_GOAL)}${s.failures ? ` — ${s.failures} unexpected responses` : ''}`,
      ),
      cross('bare ÷ Warden CPU per request', s.single.cpuRatio),
      perf(`Partner API, Warden (${tokens.mfa.length} MFA tokens in rotation)`, s.wardenRotating),
      perf(`GET /v1/customers, bare Fastify (same rotation)`, s.bareRotating),
      ratio('Warden ÷ bare req/s (median of rounds)', s.rotating, apiVerdict(s.rotating.ratio, API_GOAL)),
      cross('bare ÷ Warden CPU per request', s.rotating.cpuRatio),
      perf('Partner API, Warden, token without mfa (401)', s.warden401),
      ratio(
        '401 ÷ 200 req/s, Warden (median of rounds)',
        s.unauthorized,
        apiVerdict(s.unauthorized.ratio, 1),
      ),
      cross('200 ÷ 401 CPU per request', s.unauthorized.cpuRatio),
      perf('GET /v1/customers, conventional Fastify + jose (1 MFA token)', s.conventional),
      ratio(
        'Warden ÷ conventional req/s (median of rounds)',
        s.versusConventional,
        apiVerdict(s.versusConventional.ratio, CONVENTIONAL_GOAL),
      ),
      cross('conventional ÷ Warden CPU per request', s.versusConventional.cpuRatio),
    );
  }
  if (runs('aobo')) {
    const directUrl = `http://127.0.0.1:${warden.port}`;
    const endpoints = { baseUrl: `http://localhost:${warden.port}`, directUrl };
    const northwind = warden.info.northwindId;
    // Jane (Contoso, AdminAgents) holds DAP's Global Administrator at Northwind; Nancy is Northwind's own.
    const aoboToken = await graphTokenAt(endpoints, northwind, 'jane@contoso.example');
    const ownToken = await graphTokenAt(endpoints, northwind, 'admin@northwind.example');
    for (const token of [aoboToken, ownToken]) {
      const answer = await fetch(`${directUrl}${AOBO_PATH}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      if (answer.status !== 200) throw new Error(`aobo: ${AOBO_PATH} answered ${answer.status}`);
    }
    const wardenCpu = () => warden.call<number>({ cmd: 'cpu' });
    const result = await runAoboBenchmark(
      {
        aobo: {
          name: 'AOBO (Jane at Northwind)',
          url: directUrl,
          requests: graphRequest(aoboToken),
          status: 200,
          cpu: wardenCpu,
        },
        own: {
          name: "Northwind's own Global Administrator",
          url: directUrl,
          requests: graphRequest(ownToken),
          status: 200,
          cpu: wardenCpu,
        },
      },
      aoboOptions,
    );
    const s = summarizeAobo(result);
    raw.aobo = { options: aoboOptions, summary: s, result };
    if (s.failures > 0) failed = true;
    const perf = (label: string, r: (typeof s)['aobo']) => [
      label,
      `${fmt(r.rps)} req/s`,
      `p50 ${fmt(r.p50)} / p99 ${fmt(r.p99)} ms`,
      `${fmt(r.serverCpu, 3)} ms/req`,
      '',
      '',
    ];
    rows.push(
      perf(`Graph GET ${AOBO_PATH} at Northwind, AOBO token`, s.aobo),
      perf(`Graph GET ${AOBO_PATH} at Northwind, own administrator`, s.own),
      [
        'AOBO ÷ own req/s (median of rounds)',
        '',
        '',
        '',
        `${fmt(s.ratio, 2)} (${fmt(s.min, 2)}–${fmt(s.max, 2)})`,
        `≥ ${AOBO_GOAL}: ${s.ratio >= AOBO_GOAL ? 'met' : 'NOT met'}${s.failures ? ` — ${s.failures} unexpected responses` : ''}`,
      ],
    );
  }
} catch (error) {
  failed = true;
  console.error(error);
} finally {
  await warden.stop();
  await bare?.stop();
  await bareFastify?.stop();
  await conventional?.stop();
}

const header = ['Benchmark', 'Throughput', 'Latency', 'Server CPU per op', 'Ratio (min–max)', 'Goal'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log('');
console.log(
  `Machine: ${machine.cores} cores (${machine.cpu}), node ${machine.node}, oidc-provider ${machine.oidcProvider}, autocannon ${machine.autocannon}`,
);
console.log(
  [
    runs('token') &&
      `Token: ${tokenOptions.connections} connections, ${tokenOptions.rounds} rounds × ${tokenOptions.runSeconds} s each server (ABBA), ${tokenOptions.warmupSeconds} s warm-up.`,
    runs('signin') &&
      `Sign-in: ${signInOptions.concurrency} in flight, ${signInOptions.rounds} rounds × ${signInOptions.runSeconds} s each (ABBA), ${signInOptions.warmupSeconds} s warm-up.`,
    runs('aobo') &&
      `AOBO: ${aoboOptions.connections} connections, ${aoboOptions.rounds} rounds × ${aoboOptions.runSeconds} s each of 2 runs (ABBA), ${aoboOptions.warmupSeconds} s warm-up each.`,
    runs('partner-api') &&
      `Partner API: ${apiOptions.connections} connections, ${apiOptions.rounds} rounds × ${apiOptions.runSeconds} s each of 5 runs (order reversed every round), ${apiOptions.warmupSeconds} s warm-up each.`,
  ]
    .filter(Boolean)
    .join(' '),
);
console.log(line(header));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const row of rows) console.log(line(row));
if (breakdown) {
  console.log(
    `\nOne sign-in at a time (median of ${signInOptions.breakdownSignIns}): ${fmt(breakdown.totalMs, 1)} ms; one argon2id hash: ${fmt(breakdown.hashMs, 1)} ms;` +
      ` Warden per sign-in: event loop busy ${fmt(breakdown.loopMs, 1)} ms, CPU ${fmt(breakdown.cpuMs, 1)} ms`,
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
