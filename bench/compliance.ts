/**
 * The security requirements status at scale (issue 14 item 10, docs/benchmarks.md "Compliance"):
 *
 *   node bench/compliance.ts [--rows=N] [--partners=N] [--data-dir=DIR] [--api-rounds=N] [--skip-api] [--aa] [postgres://…]
 *
 * 1. Generates N request-log rows (default 200,000; the documented run: --rows=10000000) over the
 *    30 UTC days before today for 1,000 partner tenants of 10 accounts each (the database's trigger
 *    adds each INSERT's rows to the rollups, as for the request log's batches), then lets the
 *    compliance clock compute each of the 30 days' figures for every partner.
 * 2. Times one partner's status (partnerStatus, 30 days; goal < 50 ms), the operator's program
 *    status over every partner (programStatus; goal < 1 s) and, for information, one partner's downloads.
 * 3. Measures what the rollups cost the Partner API: two Warden children side by side, the same
 *    App+User MFA `GET /v1/customers` load in interleaved rounds (ABBA), one keeping the rollups
 *    and one not (BENCH_REQUEST_ROLLUPS=off: that child drops the trigger); server CPU per
 *    request with ÷ without (goal < 1.05). --aa keeps the rollups in both (an A/A check of the noise).
 *
 * With --data-dir the SQLite database is kept there, and a later run on the same directory skips
 * the generation. All traffic goes to 127.0.0.1; every load loop has a fixed duration.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { runComplianceClock } from '../src/compliance/daily-job.ts';
import { addDays, dayOf, startOfDay } from '../src/compliance/days.ts';
import { applicationAdoption, nonMfaPrincipals, recentPartnerRequests } from '../src/compliance/downloads.ts';
import { partnerStatus, programStatus } from '../src/compliance/status.ts';
import { createTenant } from '../src/directory/tenants.ts';
import { createUser } from '../src/directory/users.ts';
import { type Db, openDatabase } from '../src/storage/database.ts';
import type { RequestLogTable } from '../src/storage/schema.ts';
import { Child, log, median, percentile } from './common.ts';
import { fetchOnce, fixedToken, load, mintPartnerTokens } from './partner-api.ts';
import type { WardenInfo } from './servers/warden.ts';

const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const ROWS = Number(flag('rows') ?? 200_000);
const PARTNERS = Number(flag('partners') ?? 1000);
const DAYS = 30;
const USERS_PER_PARTNER = 10;
const API_ROUNDS = Number(flag('api-rounds') ?? 4);
const API_SECONDS = 5;
const adminUrl = process.argv.slice(2).find((a) => a.startsWith('postgres'));
const skipApi = process.argv.includes('--skip-api');
/** A/A check: both children keep the rollups, so the ratio shows the measurement's own noise. */
const aa = process.argv.includes('--aa');
for (const [name, value] of Object.entries({ ROWS, PARTNERS, API_ROUNDS }))
  if (!Number.isInteger(value) || value < 1) {
    console.error(`${name.toLowerCase()} must be a positive integer`);
    process.exit(2);
  }

/** Rows per transaction of the generator (the request log's batches are up to 500). */
const ROWS_PER_BATCH = 10_000;
const ROWS_PER_INSERT = 500;
const APPS = [randomUUID(), randomUUID(), randomUUID()];

const keep = flag('data-dir');
const dataDir = keep ?? mkdtempSync(join(tmpdir(), 'warden-bench-compliance-'));
const dbName = `warden_bench_compliance_${process.pid}`;
async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(statement);
  await client.end();
}
let databaseUrl: string | undefined;
if (adminUrl) {
  await admin(`CREATE DATABASE ${dbName}`);
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  databaseUrl = url.toString();
}
const existed = !adminUrl && existsSync(join(dataDir, 'warden.sqlite'));
const { db, kind } = await openDatabase({ databaseUrl, dataDir, statementTimeoutMs: 600_000 });

/** A tiny deterministic generator (xorshift32), so runs with the same flags make the same data. */
let seed = 0x9e3779b9;
function random(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 0x1_0000_0000;
}

interface Partner {
  id: string;
  users: { id: string; upn: string }[];
}

async function makePartners(): Promise<Partner[]> {
  const now = Date.now();
  const partners: Partner[] = [];
  await db.transaction().execute(async (trx) => {
    for (let p = 0; p < PARTNERS; p++) {
      const tenant = await createTenant(
        trx,
        {
          kind: 'partner',
          programType: 'csp-direct',
          displayName: `Bench Partner ${p}`,
          domain: `bench${p}.example`,
        },
        now,
      );
      const users = [];
      for (let u = 0; u < USERS_PER_PARTNER; u++) {
        const upn = `user${u}@bench${p}.example`;
        const user = await createUser(
          trx,
          tenant.id,
          {
            userPrincipalName: upn,
            displayName: `User ${u}`,
            // Not a real hash: no one signs in; figure A reads roles and methods only.
            passwordHash: 'bench',
            directoryRoles: u < 4 ? ['Global Administrator'] : [],
            ...(u === 9 ? { accountEnabled: false } : {}),
          },
          now,
        );
        users.push({ id: user.id, upn });
      }
      partners.push({ id: tenant.id, users });
    }
  });
  return partners;
}

async function generate(partners: Partner[]): Promise<number> {
  const today = dayOf(Date.now());
  const started = performance.now();
  let written = 0;
  const perDay = Math.ceil(ROWS / DAYS);
  for (let d = 0; d < DAYS && written < ROWS; d++) {
    const dayStart = startOfDay(addDays(today, d - DAYS));
    // One day at a time, in time order within each batch, as a server writes them.
    for (let inDay = 0; inDay < perDay && written < ROWS; ) {
      const n = Math.min(ROWS_PER_BATCH, perDay - inDay, ROWS - written);
      const rows: RequestLogTable[] = [];
      for (let i = 0; i < n; i++) {
        const partner = partners[Math.floor(random() * partners.length)]!;
        const user = partner.users[Math.floor(random() * USERS_PER_PARTNER)]!;
        const r = random();
        const surface = r < 0.3 ? 'dashboard' : r < 0.8 ? 'api-app-user' : 'api-app-only';
        const mfa = surface !== 'api-app-only' && random() < 0.85;
        rows.push({
          tenant_id: partner.id,
          id: randomUUID(),
          occurred_at: dayStart + Math.floor(((inDay + i) / perDay) * 86_400_000),
          surface,
          operation: surface === 'dashboard' ? 'dashboard.customers' : 'customers.list',
          user_id: surface === 'api-app-only' ? null : user.id,
          user_principal_name: surface === 'api-app-only' ? null : user.upn,
          app_id: surface === 'dashboard' ? null : APPS[Math.floor(random() * APPS.length)]!,
          mfa_compliant: mfa ? 1 : 0,
          outcome: mfa || surface === 'api-app-only' ? 'success' : 'unauthorized',
          status_code: mfa || surface === 'api-app-only' ? 200 : 401,
          correlation_id: randomUUID(),
          request_id: surface === 'dashboard' ? null : randomUUID(),
          ip_address: '127.0.0.1',
          under_exception: 0,
          customer_tenant_id: null,
          delegated_access: null,
        });
      }
      // The database's trigger adds the rows to the rollups, as for the request log's batches.
      await db.transaction().execute(async (trx) => {
        for (let i = 0; i < rows.length; i += ROWS_PER_INSERT)
          await trx
            .insertInto('request_log')
            .values(rows.slice(i, i + ROWS_PER_INSERT))
            .execute();
      });
      inDay += n;
      written += n;
      if (written % 1_000_000 < n)
        log(
          `generated ${written.toLocaleString('en-US')} rows (${((performance.now() - started) / 1000).toFixed(0)} s)`,
        );
    }
  }
  return (performance.now() - started) / 1000;
}

async function timed<T>(
  runs: number,
  work: () => Promise<T>,
): Promise<{ median: number; p95: number; last: T }> {
  const times: number[] = [];
  let last: T | undefined;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    last = await work();
    times.push(performance.now() - t);
  }
  return { median: median(times), p95: percentile(times, 95), last: last as T };
}

async function count(db: Db, table: 'request_log' | 'request_rollups' | 'daily_figures'): Promise<number> {
  return Number(
    (
      await db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
}

const results: Record<string, unknown> = { kind, rows: ROWS, partners: PARTNERS };
try {
  if (existed) log(`reusing ${dataDir}/warden.sqlite`);
  else {
    const t = performance.now();
    const partners = await makePartners();
    log(
      `${PARTNERS} partners with ${USERS_PER_PARTNER} accounts each in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    const seconds = await generate(partners);
    results.generateSeconds = seconds;
    log(
      `${ROWS.toLocaleString('en-US')} rows and their rollups in ${seconds.toFixed(0)} s (${Math.round(ROWS / seconds).toLocaleString('en-US')} rows/s)`,
    );
    const clock = performance.now();
    const today = startOfDay(dayOf(Date.now()));
    for (let d = DAYS - 1; d >= 0; d--) await runComplianceClock(db, today - d * 86_400_000 + 60_000);
    results.clockSecondsPerDay = (performance.now() - clock) / 1000 / DAYS;
    log(
      `compliance clock: ${DAYS} days × ${PARTNERS} partners in ${((performance.now() - clock) / 1000).toFixed(1)} s`,
    );
  }
  results.requestLogRows = await count(db, 'request_log');
  results.rollupRows = await count(db, 'request_rollups');
  results.figureRows = await count(db, 'daily_figures');
  const partner = await db
    .selectFrom('tenants')
    .select('id')
    .where('kind', '=', 'partner')
    .orderBy('id')
    .executeTakeFirstOrThrow();
  const now = Date.now();
  const one = await timed(50, () => partnerStatus(db, partner.id, now, 30));
  if (one.last.history.length !== DAYS)
    throw new Error(`partnerStatus returned ${one.last.history.length} days`);
  const program = await timed(10, () => programStatus(db, now));
  if (program.last.length < PARTNERS)
    throw new Error(`programStatus returned ${program.last.length} partners`);
  // The downloads read "the last 7 days" up to now; the generated days end yesterday.
  const principals = await timed(20, () => nonMfaPrincipals(db, partner.id, now, 'api-app-user'));
  const adoption = await timed(20, () => applicationAdoption(db, partner.id, now));
  const recent = await timed(10, () => recentPartnerRequests(db, partner.id));
  const times = (t: { median: number; p95: number }) => ({ median: t.median, p95: t.p95 });
  Object.assign(results, {
    partnerStatusMs: times(one),
    programStatusMs: times(program),
    nonMfaPrincipalsMs: times(principals),
    applicationAdoptionMs: times(adoption),
    partnerRequestsMs: { ...times(recent), rows: recent.last.length },
  });
  const fmt = (t: { median: number; p95: number }) =>
    `median ${t.median.toFixed(1)} ms, p95 ${t.p95.toFixed(1)} ms`;
  log(
    `partnerStatus (one partner, 30 days): ${fmt(one)} — goal < 50 ms: ${one.median < 50 ? 'met' : 'MISSED'}`,
  );
  log(
    `programStatus (${program.last.length} partners): ${fmt(program)} — goal < 1000 ms: ${program.median < 1000 ? 'met' : 'MISSED'}`,
  );
  log(
    `nonMfaPrincipals: ${fmt(principals)}; applicationAdoption: ${fmt(adoption)}; partnerRequests (${recent.last.length} rows): ${fmt(recent)}`,
  );
} finally {
  await db.destroy();
  if (adminUrl) await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  if (!keep) rmSync(dataDir, { recursive: true, force: true });
}

if (!skipApi) {
  const start = (rollups: boolean) =>
    Child.start<WardenInfo>(
      new URL('./servers/warden.ts', import.meta.url),
      rollups ? {} : { BENCH_REQUEST_ROLLUPS: 'off' },
    );
  const [withRollups, without] = [await start(true), await start(aa)];
  try {
    const target = async (child: Child<WardenInfo>, name: string) => {
      const directUrl = `http://127.0.0.1:${child.port}`;
      const tokens = await mintPartnerTokens(
        { baseUrl: `http://localhost:${child.port}`, directUrl, contosoId: child.info.contosoId },
        1,
      );
      await fetchOnce(directUrl, tokens.mfa[0]!, 200);
      return {
        name,
        url: directUrl,
        requests: fixedToken(tokens.mfa[0]!),
        status: 200,
        cpu: () => child.call<number>({ cmd: 'cpu' }),
      };
    };
    const a = await target(withRollups, 'with rollups');
    const b = await target(without, 'without rollups');
    await load(a, 8, 2);
    await load(b, 8, 2);
    const ratios: number[] = [];
    const rps: number[] = [];
    for (let round = 0; round < API_ROUNDS; round++) {
      // ABBA: each round's order alternates, so drift in the machine's load falls on both sides.
      const [first, second] = round % 2 === 0 ? [a, b] : [b, a];
      const r1 = await load(first, 8, API_SECONDS);
      const r2 = await load(second, 8, API_SECONDS);
      const [w, o] = first === a ? [r1, r2] : [r2, r1];
      if (w.unexpected + o.unexpected > 0)
        throw new Error(`${w.unexpected + o.unexpected} unexpected responses`);
      ratios.push(w.serverCpuMs / o.serverCpuMs);
      rps.push(w.rps / o.rps);
      log(
        `round ${round + 1}: with rollups ${w.rps.toFixed(0)} req/s, ${w.serverCpuMs.toFixed(3)} ms CPU/req; without ${o.rps.toFixed(0)} req/s, ${o.serverCpuMs.toFixed(3)} ms CPU/req; CPU ratio ${(w.serverCpuMs / o.serverCpuMs).toFixed(3)}`,
      );
    }
    results.apiCpuRatio = { median: median(ratios), rounds: ratios, rpsRatio: median(rps) };
    log(
      `Partner API CPU per request, with ÷ without rollups${aa ? ' (A/A check: both keep them)' : ''}: ${median(ratios).toFixed(3)} (rounds ${ratios.map((r) => r.toFixed(3)).join(', ')}) — goal < 1.05: ${median(ratios) < 1.05 ? 'met' : 'MISSED'}; req/s ratio ${median(rps).toFixed(3)}`,
    );
  } finally {
    await withRollups.stop();
    await without.stop();
  }
}
console.log(JSON.stringify(results));
