/**
 * Benchmark 2: full interactive sign-in over HTTP (authorize → login page → password → TOTP →
 * consent → authorization code → token), sign-ins/s ÷ argon2id hashes/s of the Warden process.
 *
 * The client is this process (node:http, a keep-alive agent, one cookie jar per sign-in); Warden
 * is a child process. TOTP codes are single-use per user and 30-second step, so a pool of users
 * hands out each user at most once per step.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { totpFor } from '../src/authentication-methods/totp.ts';
import { cpuMs, log, median, percentile } from './common.ts';
import type { BenchUser } from './servers/warden.ts';

const TOTP_PERIOD_MS = 30_000;
const SCOPE = 'openid profile offline_access urn:warden:partner-api/user_impersonation';
const CLIENT_ID = 'warden-cli';
/**
 * warden-cli is registered with redirect URI `http://localhost` (native app): oidc-provider accepts
 * any port on a loopback redirect (RFC 8252 §7.3), but the path must match, so there is no `/cb`.
 */
export const REDIRECT_URI = 'http://localhost:53682';

interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** One HTTP request to 127.0.0.1 (the Host header keeps the URL's `localhost:port`). */
function send(
  method: 'GET' | 'POST',
  url: URL,
  headers: Record<string, string>,
  body?: string,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        agent,
        host: '127.0.0.1',
        port: url.port,
        method,
        path: `${url.pathname}${url.search}`,
        headers: {
          host: url.host,
          ...headers,
          ...(body !== undefined
            ? {
                'content-type': 'application/x-www-form-urlencoded',
                'content-length': String(Buffer.byteLength(body)),
              }
            : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A browser's cookies, minus everything but name=value (paths and expiry ignored). */
class CookieJar {
  readonly #cookies = new Map<string, string>();

  store(setCookie: string | string[] | undefined): void {
    for (const line of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
      const pair = line.split(';', 1)[0]!;
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  header(): Record<string, string> {
    if (this.#cookies.size === 0) return {};
    return { cookie: [...this.#cookies].map(([n, v]) => `${n}=${v}`).join('; ') };
  }
}

/** Hands out users whose TOTP step is still unused (each user at most once per 30-second step). */
export class UserPool {
  readonly #users: BenchUser[];
  readonly #lastStep: number[];
  #next = 0;
  /** Times a sign-in had to wait for a user: if this is not 0, the pool is too small. */
  waits = 0;

  constructor(users: BenchUser[]) {
    this.#users = users;
    this.#lastStep = users.map(() => -1);
  }

  get size(): number {
    return this.#users.length;
  }

  async take(): Promise<{ user: BenchUser; code: string }> {
    for (;;) {
      const now = Date.now();
      const step = Math.floor(now / TOTP_PERIOD_MS);
      for (let i = 0; i < this.#users.length; i++) {
        const index = (this.#next + i) % this.#users.length;
        if (this.#lastStep[index]! < step) {
          this.#next = index + 1;
          this.#lastStep[index] = step;
          const user = this.#users[index]!;
          return { user, code: totpFor(user.totpSecret).generate({ timestamp: now }) };
        }
      }
      this.waits++;
      await new Promise((r) => setTimeout(r, (step + 1) * TOTP_PERIOD_MS - now + 5));
    }
  }
}

export interface SignInTarget {
  baseUrl: string;
  tenantId: string;
  password: string;
  /** The scopes asked for (default: the Partner API's, with a refresh token). */
  scope?: string;
  /** Ask for MFA even where the tenant's policy would not (`amr_values=mfa`). */
  stepUp?: boolean;
}

export interface SignInOutcome {
  requests: number;
  tokens: { access_token: string; id_token?: string; refresh_token?: string };
}

function decodeEntities(value: string): string {
  return value
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');
}

/** The first form of a sign-in page: where it posts, its CSRF token and its `action`. */
function firstForm(html: string): { action: string; csrf: string; step: string } {
  const form = /<form method="post" action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/.exec(html);
  const csrf = form && /name="csrf" value="([^"]+)"/.exec(form[2]!);
  const step = form && /name="action" value="([^"]+)"/.exec(form[2]!);
  if (!form || !csrf || !step) throw new Error(`no sign-in form in page: ${html.slice(0, 300)}`);
  return { action: decodeEntities(form[1]!), csrf: decodeEntities(csrf[1]!), step: step[1]! };
}

/** Time spent in each kind of request of a sign-in (client-side latency, ms). */
export class StepTimings {
  readonly samples = new Map<string, number[]>();

  async time<T>(label: string, work: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await work();
    } finally {
      const list = this.samples.get(label) ?? [];
      list.push(performance.now() - start);
      this.samples.set(label, list);
    }
  }
}

function stepLabel(method: string, url: URL, step?: string): string {
  if (step) return `POST login (${step})`;
  if (/\/oauth2\/v2\.0\/authorize\/[^/]+$/.test(url.pathname)) return 'GET authorize/{uid} (resume)';
  if (url.pathname.endsWith('/oauth2/v2.0/authorize')) return 'GET authorize';
  if (url.pathname.includes('/login/')) return 'GET login page';
  return `${method} ${url.pathname}`;
}

/** One complete interactive sign-in, as a browser and a native app would do it. */
export async function signIn(
  target: SignInTarget,
  pool: UserPool,
  timings = new StepTimings(),
): Promise<SignInOutcome> {
  const jar = new CookieJar();
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const authorize = new URL(`${target.baseUrl}/${target.tenantId}/oauth2/v2.0/authorize`);
  authorize.search = new URLSearchParams({
    client_id: CLIENT_ID,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: target.scope ?? SCOPE,
    state,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    ...(target.stepUp ? { amr_values: 'mfa' } : {}),
  }).toString();

  let url = authorize;
  let response = await timings.time(stepLabel('GET', url), () => send('GET', url, jar.header()));
  let requests = 1;
  let code: string | undefined;
  let user: { user: { upn: string }; code: string } | undefined;
  for (;;) {
    if (requests > 16) throw new Error('sign-in did not end after 16 requests');
    jar.store(response.headers['set-cookie']);
    if (response.status >= 300 && response.status < 400) {
      const location = new URL(String(response.headers.location), url);
      if (location.href.startsWith(REDIRECT_URI)) {
        if (location.searchParams.get('state') !== state) throw new Error(`state mismatch: ${location.href}`);
        code = location.searchParams.get('code') ?? undefined;
        if (!code) throw new Error(`redirect without code: ${location.href}`);
        break;
      }
      url = location;
      const next = url;
      response = await timings.time(stepLabel('GET', next), () => send('GET', next, jar.header()));
      requests++;
      continue;
    }
    if (response.status !== 200)
      throw new Error(`${url.pathname}: HTTP ${response.status}: ${response.body.slice(0, 400)}`);
    // The page's own error (pages.ts); the passkey form's hidden error placeholder is not one.
    const error = /<p class="error" role="alert" id="form-error">([^<]*)</.exec(response.body);
    if (error) throw new Error(`${url.pathname}: sign-in page shows an error: ${error[1]}`);
    const form = firstForm(response.body);
    const fields: Record<string, string> = { csrf: form.csrf, action: form.step };
    if (form.step === 'password') {
      user = await pool.take();
      fields.username = user.user.upn;
      fields.password = target.password;
    } else if (form.step === 'totp') {
      if (!user) throw new Error('TOTP asked before the password');
      fields.code = user.code;
    } else if (form.step !== 'consent') {
      throw new Error(`unexpected sign-in step ${form.step}`);
    }
    url = new URL(form.action, url);
    const post = url;
    response = await timings.time(stepLabel('POST', post, form.step), () =>
      send('POST', post, jar.header(), new URLSearchParams(fields).toString()),
    );
    requests++;
  }

  const token = await timings.time('POST token (authorization_code)', () =>
    send(
      'POST',
      new URL(`${target.baseUrl}/${target.tenantId}/oauth2/v2.0/token`),
      {},
      new URLSearchParams({
        grant_type: 'authorization_code',
        code: code!,
        redirect_uri: REDIRECT_URI,
        client_id: CLIENT_ID,
        code_verifier: verifier,
      }).toString(),
    ),
  );
  requests++;
  if (token.status !== 200) throw new Error(`token endpoint: HTTP ${token.status}: ${token.body}`);
  const tokens = JSON.parse(token.body) as SignInOutcome['tokens'];
  if (!tokens.access_token) throw new Error(`no access token: ${token.body}`);
  return { requests, tokens };
}

export interface RateRun {
  count: number;
  seconds: number;
  rate: number;
  /** Latency of one whole sign-in (ms); empty for hash runs. */
  latencies: number[];
  /** CPU time of the Warden process per operation (ms, all its threads). */
  serverCpuMs: number;
  /** CPU time of this (client) process per operation (ms). */
  clientCpuMs: number;
  /** Time the Warden event loop was busy per operation (ms): the one thread all non-hash work shares. */
  serverLoopMs: number;
}

/** Sign-ins with `concurrency` in flight until the deadline; the run ends when the last one does. */
export async function signInRate(
  target: SignInTarget,
  pool: UserPool,
  durationMs: number,
  concurrency: number,
  serverCpu: () => Promise<number>,
  serverLoop: () => Promise<number>,
): Promise<RateRun> {
  const loopBefore = await serverLoop();
  const serverBefore = await serverCpu();
  const clientBefore = cpuMs();
  const start = performance.now();
  const deadline = start + durationMs;
  const latencies: number[] = [];
  const worker = async () => {
    while (performance.now() < deadline) {
      const t = performance.now();
      await signIn(target, pool);
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - start) / 1000;
  const clientCpuMs = (cpuMs() - clientBefore) / latencies.length;
  const serverCpuMs = ((await serverCpu()) - serverBefore) / latencies.length;
  const serverLoopMs = ((await serverLoop()) - loopBefore) / latencies.length;
  return {
    count: latencies.length,
    seconds,
    rate: latencies.length / seconds,
    latencies,
    serverCpuMs,
    clientCpuMs,
    serverLoopMs,
  };
}

export interface SignInOptions {
  concurrency: number;
  warmupSeconds: number;
  runSeconds: number;
  rounds: number;
  /** Sequential sign-ins timed request by request after the rounds. */
  breakdownSignIns: number;
}

export interface SignInResult {
  options: SignInOptions;
  signIns: RateRun[];
  hashes: RateRun[];
  ratios: number[];
  requestsPerSignIn: number;
  poolWaits: number;
  /** One sign-in at a time: median latency of each kind of request, and of one argon2id hash. */
  breakdown: {
    steps: { label: string; count: number; medianMs: number }[];
    totalMs: number;
    hashMs: number;
    /** Warden's event loop busy, and its CPU (all threads), per sign-in when one runs at a time. */
    loopMs: number;
    cpuMs: number;
  };
}

/**
 * Interleaves sign-in runs with argon2id runs (ABBA), same duration, same concurrency.
 * `hashRun` measures hashes/s inside the Warden process.
 */
export async function runSignInBenchmark(
  target: SignInTarget,
  pool: UserPool,
  hashRun: (durationMs: number, concurrency: number) => Promise<{ count: number; seconds: number }>,
  serverCpu: () => Promise<number>,
  serverLoop: () => Promise<number>,
  options: SignInOptions,
): Promise<SignInResult> {
  const { concurrency } = options;
  const first = await signIn(target, pool);
  const claims = JSON.parse(
    Buffer.from(first.tokens.access_token.split('.')[1]!, 'base64url').toString(),
  ) as {
    amr?: string[];
  };
  if (!claims.amr?.includes('mfa'))
    throw new Error(`sign-in did not do MFA: amr=${JSON.stringify(claims.amr)}`);
  if (!first.tokens.id_token || !first.tokens.refresh_token)
    throw new Error('sign-in did not return id and refresh tokens');
  log(`sign-in: one sign-in is ${first.requests} HTTP requests; amr=${claims.amr.join(',')}`);

  log(`sign-in: warm-up ${options.warmupSeconds}s each`);
  await signInRate(target, pool, options.warmupSeconds * 1000, concurrency, serverCpu, serverLoop);
  await hashRun(options.warmupSeconds * 1000, concurrency);

  const hash = async (): Promise<RateRun> => {
    const loopBefore = await serverLoop();
    const before = await serverCpu();
    const r = await hashRun(options.runSeconds * 1000, concurrency);
    const serverCpuMs = ((await serverCpu()) - before) / r.count;
    const serverLoopMs = ((await serverLoop()) - loopBefore) / r.count;
    return {
      count: r.count,
      seconds: r.seconds,
      rate: r.count / r.seconds,
      latencies: [],
      serverCpuMs,
      clientCpuMs: 0,
      serverLoopMs,
    };
  };
  const result: SignInResult = {
    options,
    signIns: [],
    hashes: [],
    ratios: [],
    requestsPerSignIn: first.requests,
    poolWaits: 0,
    breakdown: { steps: [], totalMs: 0, hashMs: 0, loopMs: 0, cpuMs: 0 },
  };
  for (let round = 0; round < options.rounds; round++) {
    let s: RateRun;
    let h: RateRun;
    if (round % 2 === 0) {
      s = await signInRate(target, pool, options.runSeconds * 1000, concurrency, serverCpu, serverLoop);
      h = await hash();
    } else {
      h = await hash();
      s = await signInRate(target, pool, options.runSeconds * 1000, concurrency, serverCpu, serverLoop);
    }
    result.signIns.push(s);
    result.hashes.push(h);
    result.ratios.push(s.rate / h.rate);
    log(
      `sign-in: round ${round + 1}/${options.rounds} ${s.rate.toFixed(1)} sign-ins/s (p99 ${percentile(s.latencies, 99).toFixed(0)} ms),` +
        ` ${h.rate.toFixed(1)} hashes/s, ratio ${(s.rate / h.rate).toFixed(2)};` +
        ` CPU ms: ${s.serverCpuMs.toFixed(1)} Warden + ${s.clientCpuMs.toFixed(1)} client per sign-in, ${h.serverCpuMs.toFixed(1)} per hash;` +
        ` Warden event loop busy ${s.serverLoopMs.toFixed(1)} ms per sign-in (${((s.serverLoopMs * s.rate) / 10).toFixed(0)} %)`,
    );
  }
  result.poolWaits = pool.waits;

  // Where a sign-in's time goes, without queueing: sign-ins one at a time, then hashes one at a time.
  const timings = new StepTimings();
  const totals: number[] = [];
  const loopBefore = await serverLoop();
  const cpuBefore = await serverCpu();
  for (let i = 0; i < options.breakdownSignIns; i++) {
    const t = performance.now();
    await signIn(target, pool, timings);
    totals.push(performance.now() - t);
  }
  const loopMs = ((await serverLoop()) - loopBefore) / options.breakdownSignIns;
  const cpuMs = ((await serverCpu()) - cpuBefore) / options.breakdownSignIns;
  const single = await hashRun(1000, 1);
  result.breakdown = {
    steps: [...timings.samples].map(([label, samples]) => ({
      label,
      count: samples.length,
      medianMs: median(samples),
    })),
    totalMs: median(totals),
    hashMs: (single.seconds * 1000) / single.count,
    loopMs,
    cpuMs,
  };
  return result;
}

export function summarizeSignIn(result: SignInResult) {
  const latencies = result.signIns.flatMap((r) => r.latencies);
  return {
    signInRate: median(result.signIns.map((r) => r.rate)),
    hashRate: median(result.hashes.map((r) => r.rate)),
    ratio: median(result.ratios),
    minRatio: Math.min(...result.ratios),
    maxRatio: Math.max(...result.ratios),
    serverCpuPerSignIn: median(result.signIns.map((r) => r.serverCpuMs)),
    clientCpuPerSignIn: median(result.signIns.map((r) => r.clientCpuMs)),
    serverCpuPerHash: median(result.hashes.map((r) => r.serverCpuMs)),
    serverLoopPerSignIn: median(result.signIns.map((r) => r.serverLoopMs)),
    /** CPU per hash ÷ Warden CPU per sign-in: the ratio if the server alone were CPU-bound. */
    cpuRatio: median(result.signIns.map((r, i) => result.hashes[i]!.serverCpuMs / r.serverCpuMs)),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    signIns: latencies.length,
  };
}
