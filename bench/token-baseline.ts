/**
 * The token endpoint (client credentials) of this checkout's Warden ÷ that of another checkout's
 * Warden, side by side in one run (ABBA rounds, as benchmark 1). It measures what a change costs
 * the token endpoint: the other checkout is the code without the change (e.g. main).
 *
 *   node bench/token-baseline.ts <checkout-dir> [--quick] [--json]
 *
 * Both are started by their own bench/servers/warden.ts (SQLite, demo data, logging silent);
 * the other checkout needs its node_modules. Goal of issue 12 item 5: ≥ 0.95 (moves ≤ 5 %).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Child, log } from './common.ts';
import type { WardenInfo } from './servers/warden.ts';
import {
  checkTokenTarget,
  clientCredentialsBody,
  runTokenBenchmark,
  summarizeToken,
  type TokenOptions,
  type TokenTarget,
} from './token-endpoint.ts';

const GOAL = 0.95;
const args = process.argv.slice(2);
const dir = args.find((a) => !a.startsWith('--'));
const server = dir ? resolve(dir, 'bench/servers/warden.ts') : '';
if (!dir || !existsSync(server)) {
  console.error('usage: node bench/token-baseline.ts <checkout-dir> [--quick] [--json]');
  process.exit(2);
}
const quick = args.includes('--quick');
const options: TokenOptions = quick
  ? { connections: 8, warmupSeconds: 1, runSeconds: 2, rounds: 2 }
  : { connections: 8, warmupSeconds: 3, runSeconds: 5, rounds: 10 };

const target = (name: string, child: Child<WardenInfo>): TokenTarget => ({
  name,
  url: `http://127.0.0.1:${child.port}/${child.info.contosoId}/oauth2/v2.0/token`,
  body: clientCredentialsBody(child.info.automationClientId, child.info.automationSecret),
  cpu: () => child.call<number>({ cmd: 'cpu' }),
});

const here = await Child.start<WardenInfo>(new URL('./servers/warden.ts', import.meta.url));
const there = await Child.start<WardenInfo>(pathToFileURL(server));
let failed = false;
try {
  const mine = target('this', here);
  const baseline = target('baseline', there);
  await checkTokenTarget(mine);
  await checkTokenTarget(baseline);
  const result = await runTokenBenchmark(mine, baseline, options);
  const s = summarizeToken(result);
  const stats = await here.call<{ servicePrincipalSignIns?: number }>({ cmd: 'stats' });
  if (s.failures > 0) failed = true;
  const f = (n: number, d = 0) => n.toFixed(d);
  console.log('');
  console.log(
    `Token endpoint, client credentials: ${options.connections} connections, ${options.rounds} rounds × ${options.runSeconds} s each (ABBA), ${options.warmupSeconds} s warm-up.`,
  );
  console.log(`| Warden | req/s | p50 / p99 ms | CPU ms/req |`);
  console.log(`|---|---|---|---|`);
  console.log(
    `| this checkout | ${f(s.wardenRps)} | ${f(s.wardenP50)} / ${f(s.wardenP99)} | ${f(s.wardenCpu, 2)} |`,
  );
  console.log(`| ${dir} | ${f(s.bareRps)} | ${f(s.bareP50)} / ${f(s.bareP99)} | ${f(s.bareCpu, 2)} |`);
  console.log(
    `this ÷ baseline req/s (median of rounds): ${f(s.ratio, 3)} (${f(s.minRatio, 3)}–${f(s.maxRatio, 3)}); ` +
      `baseline ÷ this CPU per request: ${f(s.cpuRatio, 3)}; goal ≥ ${GOAL}: ${s.ratio >= GOAL ? 'met' : 'NOT met'}`,
  );
  if (stats.servicePrincipalSignIns !== undefined)
    console.log(
      `service-principal sign-ins stored by this checkout's Warden: ${stats.servicePrincipalSignIns}`,
    );
  if (args.includes('--json')) console.log(JSON.stringify({ options, summary: s, result }));
} catch (error) {
  failed = true;
  console.error(error);
} finally {
  await here.stop();
  await there.stop();
}
log('done');
if (failed) process.exitCode = 1;
