/**
 * Benchmark 3: the Partner API, `GET /v1/customers`, Warden ÷ a bare Fastify route that sends the
 * same JSON bytes (issue 3 item 6). Three measurements, side by side, in interleaved rounds:
 *
 * 1. one valid App+User token with `mfa` in `amr` (Jane, Contoso), Warden ÷ bare;
 * 2. 1,000 distinct valid MFA tokens in rotation (minted by redeeming Jane's refresh token 1,000
 *    times), Warden ÷ bare with the same rotation;
 * 3. an App+User token without `mfa` (John, Fabrikam): the 401 path, ÷ Warden's 200 path of (1);
 * 4. the one token of (1) at a conventional Fastify service (bench/servers/conventional-fastify.ts:
 *    jose verifies the JWT on every request, then the same query), Warden ÷ conventional
 *    (issue 16 item 5: ≥ 1.5).
 *
 * Both servers are child processes; autocannon runs in this process.
 */
import autocannon, { type RequestSpec } from 'autocannon';
import { DEFAULT_DEMO_PASSWORD } from '../src/config.ts';
import { DEMO_TOTP_SEED } from '../src/demo/demo-data.ts';
import { cpuMs, log, median } from './common.ts';
import { signIn, UserPool } from './sign-in.ts';

export const CUSTOMERS_PATH = '/v1/customers';
const CLIENT_ID = 'warden-cli';

export interface PartnerApiOptions {
  connections: number;
  warmupSeconds: number;
  runSeconds: number;
  rounds: number;
  /** Distinct MFA tokens in rotation (measurement 2). */
  tokens: number;
}

export interface PartnerTokens {
  /** Jane's access tokens (App+User, amr with mfa): the first from the sign-in, then one per refresh. */
  mfa: string[];
  /** John's access token (App+User, amr without mfa). */
  noMfa: string;
  /** Time to mint the refreshed tokens, ms. */
  mintMs: number;
}

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<
    string,
    unknown
  >;
}

const amrOf = (token: string) => {
  const amr = claimsOf(token).amr;
  return Array.isArray(amr) ? (amr as string[]) : [];
};

/**
 * Signs Jane in (password + TOTP) and John (password only) through the HTML forms, then redeems
 * Jane's rotating refresh token `count - 1` times: each redemption returns a new access token with
 * the `amr` of the original sign-in, and the next refresh token.
 */
export async function mintPartnerTokens(
  /** `baseUrl` is Warden's configured base URL (localhost); `directUrl` the same server on 127.0.0.1. */
  warden: { baseUrl: string; directUrl: string; contosoId: string },
  count: number,
): Promise<PartnerTokens> {
  const jane = await signIn(
    { baseUrl: warden.baseUrl, tenantId: warden.contosoId, password: DEFAULT_DEMO_PASSWORD },
    new UserPool([{ upn: 'jane@contoso.example', totpSecret: DEMO_TOTP_SEED }]),
  );
  if (!amrOf(jane.tokens.access_token).includes('mfa'))
    throw new Error(`Jane's sign-in did not do MFA: amr=${amrOf(jane.tokens.access_token).join(',')}`);
  // Fabrikam has no security defaults: John signs in with the password alone.
  const john = await signIn(
    { baseUrl: warden.baseUrl, tenantId: 'fabrikam.example', password: DEFAULT_DEMO_PASSWORD },
    new UserPool([{ upn: 'john@fabrikam.example', totpSecret: DEMO_TOTP_SEED }]),
  );
  if (amrOf(john.tokens.access_token).includes('mfa'))
    throw new Error(`John's token carries mfa: amr=${amrOf(john.tokens.access_token).join(',')}`);

  const mfa = [jane.tokens.access_token];
  let refreshToken = jane.tokens.refresh_token;
  const tokenUrl = `${warden.directUrl}/${warden.contosoId}/oauth2/v2.0/token`;
  const started = performance.now();
  while (mfa.length < count) {
    if (!refreshToken) throw new Error('no refresh token to redeem');
    const response = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: CLIENT_ID,
      }).toString(),
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`refresh ${mfa.length}: HTTP ${response.status}: ${text}`);
    const json = JSON.parse(text) as { access_token?: string; refresh_token?: string };
    if (!json.access_token) throw new Error(`refresh ${mfa.length}: no access token: ${text}`);
    if (!amrOf(json.access_token).includes('mfa'))
      throw new Error(`refresh ${mfa.length}: access token lost mfa: ${amrOf(json.access_token).join(',')}`);
    mfa.push(json.access_token);
    refreshToken = json.refresh_token;
  }
  const mintMs = performance.now() - started;
  if (new Set(mfa).size !== mfa.length) throw new Error('minted access tokens are not all distinct');
  return { mfa, noMfa: john.tokens.access_token, mintMs };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}`, accept: 'application/json' });

/** The same request with one token. */
export function fixedToken(token: string): RequestSpec[] {
  return [{ method: 'GET', path: CUSTOMERS_PATH, headers: bearer(token) }];
}

/**
 * The same request with the tokens in rotation: one counter across all connections, so every
 * token is used once per `tokens.length` requests (the request is rebuilt each time).
 */
export function rotatingTokens(tokens: string[]): RequestSpec[] {
  let next = 0;
  return [
    {
      method: 'GET',
      path: CUSTOMERS_PATH,
      setupRequest: (request) => {
        const token = tokens[next++ % tokens.length]!;
        request.headers = { ...request.headers, ...bearer(token) };
        return request;
      },
    },
  ];
}

/** One request by hand: the status must be the expected one; returns the body and its content type. */
export async function fetchOnce(
  baseUrl: string,
  token: string,
  expect: number,
): Promise<{ body: string; contentType: string }> {
  const response = await fetch(`${baseUrl}${CUSTOMERS_PATH}`, { headers: bearer(token) });
  const body = await response.text();
  if (response.status !== expect)
    throw new Error(`GET ${CUSTOMERS_PATH} answered ${response.status} (expected ${expect}): ${body}`);
  return { body, contentType: response.headers.get('content-type') ?? 'application/json' };
}

export interface ApiTarget {
  name: string;
  url: string;
  requests: RequestSpec[];
  /** The status every response must have. */
  status: number;
  cpu: () => Promise<number>;
}

export interface ApiRun {
  rps: number;
  p50: number;
  p99: number;
  /** Server CPU per response with the expected status (ms, all threads of the server process). */
  serverCpuMs: number;
  /** CPU of this process (autocannon) per response, ms. */
  clientCpuMs: number;
  /** Responses with another status, plus socket errors and timeouts. */
  unexpected: number;
}

export async function load(target: ApiTarget, connections: number, seconds: number): Promise<ApiRun> {
  const serverBefore = await target.cpu();
  const clientBefore = cpuMs();
  const result = await autocannon({
    url: target.url,
    requests: target.requests,
    connections,
    pipelining: 1,
    duration: seconds,
    timeout: 10,
  });
  const clientCpu = cpuMs() - clientBefore;
  const serverCpu = (await target.cpu()) - serverBefore;
  const ok = result.statusCodeStats[String(target.status)]?.count ?? 0;
  const responses = Object.values(result.statusCodeStats).reduce((n, s) => n + s.count, 0);
  return {
    rps: ok / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    serverCpuMs: serverCpu / ok,
    clientCpuMs: clientCpu / ok,
    unexpected: responses - ok + result.errors + result.timeouts,
  };
}

export interface ApiTargets {
  /** Measurement 1: one MFA token. */
  warden: ApiTarget;
  bare: ApiTarget;
  /** Measurement 2: the MFA tokens in rotation. */
  wardenRotating: ApiTarget;
  bareRotating: ApiTarget;
  /** Measurement 3: the token without mfa (401). */
  warden401: ApiTarget;
  /** Measurement 4: the one MFA token at the conventional peer. */
  conventional: ApiTarget;
}
export type RunKey = keyof ApiTargets;

export interface PartnerApiResult {
  options: PartnerApiOptions;
  runs: Record<RunKey, ApiRun[]>;
  /** Per round: Warden ÷ bare (1 token), Warden ÷ bare (rotation), Warden 401 ÷ Warden 200, Warden ÷ conventional. */
  ratios: { single: number[]; rotating: number[]; unauthorized: number[]; conventional: number[] };
}

/**
 * Rounds of six runs. Even rounds go 401, C, W, B, B(rot), W(rot); odd rounds the reverse, so each
 * ratio's two runs are adjacent (W beside both C and B; the 401 is one run from W) and drift of a
 * noisy machine hits both sides alike.
 */
const ORDER: RunKey[] = ['warden401', 'conventional', 'warden', 'bare', 'bareRotating', 'wardenRotating'];

export async function runPartnerApiBenchmark(
  targets: ApiTargets,
  options: PartnerApiOptions,
): Promise<PartnerApiResult> {
  // The warm-up also makes Warden verify (and cache) each of the rotated tokens once.
  for (const key of ORDER) {
    log(`partner-api: warm-up ${targets[key].name} ${options.warmupSeconds}s`);
    await load(targets[key], options.connections, options.warmupSeconds);
  }
  const runs = Object.fromEntries(ORDER.map((k) => [k, [] as ApiRun[]])) as Record<RunKey, ApiRun[]>;
  const ratios: PartnerApiResult['ratios'] = { single: [], rotating: [], unauthorized: [], conventional: [] };
  for (let round = 0; round < options.rounds; round++) {
    const order = round % 2 === 0 ? ORDER : [...ORDER].reverse();
    const now = {} as Record<RunKey, ApiRun>;
    for (const key of order) {
      const target = targets[key];
      const run = await load(target, options.connections, options.runSeconds);
      now[key] = run;
      runs[key].push(run);
      log(
        `partner-api: round ${round + 1}/${options.rounds} ${target.name.padEnd(24)} ${run.rps.toFixed(0)} req/s` +
          ` p99 ${run.p99} ms, ${run.serverCpuMs.toFixed(3)} ms CPU/req (client ${run.clientCpuMs.toFixed(3)})` +
          `${run.unexpected ? ` unexpected=${run.unexpected}` : ''}`,
      );
    }
    ratios.single.push(now.warden.rps / now.bare.rps);
    ratios.rotating.push(now.wardenRotating.rps / now.bareRotating.rps);
    ratios.unauthorized.push(now.warden401.rps / now.warden.rps);
    ratios.conventional.push(now.warden.rps / now.conventional.rps);
  }
  return { options, runs, ratios };
}

export function summarizePartnerApi(result: PartnerApiResult) {
  const pick = (key: RunKey, field: keyof ApiRun) => median(result.runs[key].map((r) => r[field]));
  const of = (key: RunKey) => ({
    rps: pick(key, 'rps'),
    p50: pick(key, 'p50'),
    p99: pick(key, 'p99'),
    serverCpu: pick(key, 'serverCpuMs'),
    clientCpu: pick(key, 'clientCpuMs'),
  });
  const range = (values: number[]) => ({
    ratio: median(values),
    min: Math.min(...values),
    max: Math.max(...values),
  });
  /** Per round: the other side's CPU per request ÷ this side's (the throughput ratio if both were CPU-bound). */
  const cpuRatio = (num: RunKey, den: RunKey) =>
    median(result.runs[num].map((r, i) => result.runs[den][i]!.serverCpuMs / r.serverCpuMs));
  return {
    warden: of('warden'),
    bare: of('bare'),
    wardenRotating: of('wardenRotating'),
    bareRotating: of('bareRotating'),
    warden401: of('warden401'),
    conventional: of('conventional'),
    single: { ...range(result.ratios.single), cpuRatio: cpuRatio('warden', 'bare') },
    rotating: { ...range(result.ratios.rotating), cpuRatio: cpuRatio('wardenRotating', 'bareRotating') },
    unauthorized: { ...range(result.ratios.unauthorized), cpuRatio: cpuRatio('warden401', 'warden') },
    versusConventional: {
      ...range(result.ratios.conventional),
      cpuRatio: cpuRatio('warden', 'conventional'),
    },
    failures: Object.values(result.runs)
      .flat()
      .reduce((n, r) => n + r.unexpected, 0),
  };
}
