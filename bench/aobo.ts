/**
 * Issue 11 item 10: a Graph call into a customer tenant with an AOBO token (Jane of Contoso,
 * signed in at Northwind's authority through delegated admin) beside the same call by Northwind's
 * own Global Administrator, on the same Warden, in alternating runs. The ratio AOBO ÷ own says
 * what delegation costs per request: the gate's extra work (the home user's lookup and
 * `delegatedAccessOf`, read fresh on every request). Goal ≥ 0.9.
 */
import type { RequestSpec } from 'autocannon';
import { DEFAULT_DEMO_PASSWORD } from '../src/config.ts';
import { DEMO_TOTP_SEED } from '../src/demo/demo-data.ts';
import { log, median } from './common.ts';
import { type ApiRun, type ApiTarget, load } from './partner-api.ts';
import { signIn, UserPool } from './sign-in.ts';

const CLIENT_ID = 'warden-cli';
const GRAPH_SCOPE = 'urn:warden:graph/Directory.AccessAsUser.All';
export const AOBO_PATH = '/v1.0/users?$top=5';

export interface AoboOptions {
  connections: number;
  warmupSeconds: number;
  runSeconds: number;
  rounds: number;
}

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
}

/** A Graph token for `upn` from the customer's authority: the interactive sign-in, then a refresh for Graph. */
export async function graphTokenAt(
  warden: { baseUrl: string; directUrl: string },
  customerTenantId: string,
  upn: string,
): Promise<string> {
  const outcome = await signIn(
    {
      baseUrl: warden.baseUrl,
      tenantId: customerTenantId,
      password: DEFAULT_DEMO_PASSWORD,
      scope: `openid profile offline_access ${GRAPH_SCOPE}`,
      // Northwind has no MFA policy; Graph needs the proof of both callers (SPEC §5).
      stepUp: true,
    },
    new UserPool([{ upn, totpSecret: DEMO_TOTP_SEED }]),
  );
  if (!outcome.tokens.refresh_token) throw new Error(`${upn}: no refresh token`);
  const response = await fetch(`${warden.directUrl}/${customerTenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: outcome.tokens.refresh_token,
      client_id: CLIENT_ID,
      scope: GRAPH_SCOPE,
    }).toString(),
  });
  const json = (await response.json()) as { access_token?: string };
  if (!json.access_token) throw new Error(`${upn}: Graph refresh failed: ${JSON.stringify(json)}`);
  const claims = claimsOf(json.access_token);
  if (claims.tid !== customerTenantId || !(claims.amr as string[]).includes('mfa'))
    throw new Error(`${upn}: unexpected Graph token: tid=${String(claims.tid)} amr=${String(claims.amr)}`);
  return json.access_token;
}

export function graphRequest(token: string): RequestSpec[] {
  return [
    {
      method: 'GET',
      path: AOBO_PATH,
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    },
  ];
}

export interface AoboResult {
  options: AoboOptions;
  runs: { aobo: ApiRun[]; own: ApiRun[] };
  /** Per round: AOBO req/s ÷ own administrator's req/s. */
  ratios: number[];
}

/** Rounds of two runs, the order reversed every round (ABBA), after a warm-up of each. */
export async function runAoboBenchmark(
  targets: { aobo: ApiTarget; own: ApiTarget },
  options: AoboOptions,
): Promise<AoboResult> {
  for (const target of [targets.aobo, targets.own]) {
    log(`aobo: warm-up ${target.name} ${options.warmupSeconds}s`);
    await load(target, options.connections, options.warmupSeconds);
  }
  const runs: AoboResult['runs'] = { aobo: [], own: [] };
  const ratios: number[] = [];
  for (let round = 0; round < options.rounds; round++) {
    const order: ('aobo' | 'own')[] = round % 2 === 0 ? ['aobo', 'own'] : ['own', 'aobo'];
    const now: Partial<Record<'aobo' | 'own', ApiRun>> = {};
    for (const key of order) {
      const run = await load(targets[key], options.connections, options.runSeconds);
      now[key] = run;
      runs[key].push(run);
      log(
        `aobo: round ${round + 1}/${options.rounds} ${targets[key].name.padEnd(34)} ${run.rps.toFixed(0)} req/s` +
          ` p99 ${run.p99} ms, ${run.serverCpuMs.toFixed(3)} ms CPU/req${run.unexpected ? ` unexpected=${run.unexpected}` : ''}`,
      );
    }
    ratios.push(now.aobo!.rps / now.own!.rps);
  }
  return { options, runs, ratios };
}

export function summarizeAobo(result: AoboResult) {
  const of = (runs: ApiRun[]) => ({
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    serverCpu: median(runs.map((r) => r.serverCpuMs)),
  });
  return {
    aobo: of(result.runs.aobo),
    own: of(result.runs.own),
    ratio: median(result.ratios),
    min: Math.min(...result.ratios),
    max: Math.max(...result.ratios),
    failures: [...result.runs.aobo, ...result.runs.own].reduce((n, r) => n + r.unexpected, 0),
  };
}
