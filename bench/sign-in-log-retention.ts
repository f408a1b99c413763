/**
 * The sign-in log at 50 million rows (issue 16 item 4; docs/benchmarks.md, "Retention and the
 * sign-in log at 50 million rows"), on PostgreSQL:
 *
 *   node bench/sign-in-log-retention.ts postgres://user@host:port/db [--rows=50000000] [--tenants=10000]
 *     [--requests=1000] [--keep] [--reuse=<database>]
 *
 * 1. A database of its own on that server, migrated and with the demo data, served by a real
 *    Warden (in this process, on 127.0.0.1).
 * 2. Loads N sign-in rows (default 50 million) spread evenly over the 13 months before now, for
 *    `tenants` tenants of 10 users each (Contoso is tenant 0), with generate_series in SQL, a
 *    month at a time into a table then attached as its partition (load()). Prints how long it took.
 * 3. Times Graph `GET /v1.0/auditLogs/signIns?$filter=userId eq '…' and createdDateTime ge …`
 *    (the last 7 days of one Contoso user, a different user each request, one request at a time)
 *    through the server with an app-only Graph token: p50/p99 (goal p99 < 50 ms), and prints the
 *    query plan.
 * 4. Runs retention once (src/retention/): the months past the 30-day window dropped, the rest
 *    of the partial month deleted in batches; prints how long that took and what it removed.
 *
 * --keep leaves the database (its name is printed); --reuse=<name> measures a kept one again
 * (skips 1's migration of a fresh database and 2). Step 4 empties most of it, so with --keep it
 * is skipped.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { createContext } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { seedDemoData } from '../src/demo/demo-data.ts';
import { addCredential, generateSecret } from '../src/directory/application-credentials.ts';
import { buildServer } from '../src/http/server.ts';
import { maintainPartitions } from '../src/retention/partition-maintenance.ts';
import { runRetention } from '../src/retention/retention-job.ts';
import { DAY_MS, longestLogRetention } from '../src/retention/windows.ts';
import { recordSignIn } from '../src/sign-in-logs/sign-in-log.ts';
import { addMonths, PARTITIONED_LOGS, partitionName } from '../src/storage/monthly-partitions.ts';
import { GRAPH_API } from '../src/tokens/audiences.ts';
import { freePort, log, percentile } from './common.ts';

const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const adminUrl = process.argv.slice(2).find((a) => a.startsWith('postgres'));
const ROWS = Number(flag('rows') ?? 50_000_000);
const TENANTS = Number(flag('tenants') ?? 10_000);
const REQUESTS = Number(flag('requests') ?? 1_000);
const USERS_PER_TENANT = 10;
const SIGN_INS = PARTITIONED_LOGS[0]!;
const keep = process.argv.includes('--keep');
const reuse = flag('reuse');
if (!adminUrl) {
  console.error('usage: node bench/sign-in-log-retention.ts postgres://… [--rows=N] [--tenants=N]');
  process.exit(2);
}

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(statement);
  await client.end();
}

const name = reuse ?? `warden_bench_sign_ins_${process.pid}`;
if (!reuse) await admin(`CREATE DATABASE ${name}`);
const url = new URL(adminUrl);
url.pathname = `/${name}`;
const dataDir = mkdtempSync(join(tmpdir(), 'warden-bench-sign-ins-'));
const port = await freePort();
const config = loadConfig({
  PORT: String(port),
  WARDEN_BASE_URL: `http://localhost:${port}`,
  WARDEN_DATA_DIR: dataDir,
  DATABASE_URL: url.toString(),
  LOG_LEVEL: 'silent',
});
/** The demo's contoso-automation (granted AuditLog.Read.All): the Graph caller of step 3. */
const AUTOMATION_APP = 'c0a1b2c3-0d0e-4f00-a000-00000000a001';
// A reused database's secrets were sealed with the key of an earlier run's (deleted) data dir:
// its signing keys and the caller's secrets go, a new key is made at start, a new secret below.
if (reuse) {
  await direct('delete from signing_keys');
  await direct(`delete from application_credentials where application_id = '${AUTOMATION_APP}'`);
}
const ctx = await createContext(config);
const demo = await seedDemoData(ctx);
const reusedSecret = reuse ? generateSecret() : undefined;
const contosoId = (
  await ctx.db
    .selectFrom('tenants')
    .select('id')
    .where('domain', '=', 'contoso.example')
    .executeTakeFirstOrThrow()
).id;
if (reusedSecret) {
  const tenant = await ctx.db
    .selectFrom('applications')
    .select('tenant_id')
    .where('id', '=', AUTOMATION_APP)
    .executeTakeFirstOrThrow();
  await addCredential(
    ctx.db,
    ctx.secrets,
    tenant.tenant_id,
    AUTOMATION_APP,
    { secret: reusedSecret, displayName: 'bench', endAt: Date.now() + DAY_MS },
    Date.now(),
  );
}
const app = await buildServer(ctx);
await app.listen({ port, host: '127.0.0.1' });
const now = Date.now();
const span = addMonths(now, 0) - addMonths(now, -13);
const start = now - span;

/** A statement on a connection of its own, without the server's statement timeout (10 s). */
async function direct(statement: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Ids of generated tenants, users and rows: fixed patterns of the numbers (SQL and JS agree). */
const tenantIdSql = (t: string) =>
  `(case when ${t} = 0 then '${contosoId}' else 'b0000000-0000-4000-8000-' || lpad(to_hex(${t}), 12, '0') end)`;
const userIdOf = (u: number) => `a0000000-0000-4000-8000-${u.toString(16).padStart(12, '0')}`;

/**
 * The load, as fast as this machine allows: each month is a table of its own, filled and indexed
 * in the transaction that creates it and then attached as the month's partition (ATTACH builds
 * the partition's indexes to match the parent's). With `wal_level = minimal` (docs/benchmarks.md)
 * PostgreSQL writes no WAL for a table created in the same transaction, only syncs it at commit.
 * Two sessions, the machine's two cores, take months in turn.
 */
async function load(): Promise<void> {
  const db = ctx.db as unknown as Kysely<unknown>;
  let t = performance.now();
  await sql
    .raw(`insert into tenants (id, kind, program_type, display_name, domain, partner_tenant_id, security_defaults,
      security_defaults_enabled_at, require_mfa_all_users, created_at)
    select ${tenantIdSql('t')}, 'customer', null, 'Bench ' || t, 'bench-' || t || '.example', null, 0, null, 0, ${start}
    from generate_series(1, ${TENANTS - 1}) t`)
    .execute(db);
  // The migration made this month's and next month's partitions: empty, they go, and come back filled.
  const months: number[] = [];
  for (let m = addMonths(start, 0); m <= addMonths(now, 1); m = addMonths(m, 1)) months.push(m);
  for (const m of months) await sql.raw(`drop table if exists ${partitionName(SIGN_INS, m)}`).execute(db);
  log(`prepared: ${TENANTS} tenants (${((performance.now() - t) / 1000).toFixed(1)} s)`);

  t = performance.now();
  const users = TENANTS * USERS_PER_TENANT;
  const tenantOfRow = tenantIdSql(`(g % ${users}) / ${USERS_PER_TENANT}`);
  // Row g: user g mod users (of tenant user / 10), at its place in the 13 months, plus up to an hour.
  const timeOf = (g: string) =>
    `(${start}::bigint + (${g}::bigint * ${span} / ${ROWS}) + (${g} * 7919) % 3600000)`;
  const firstRowAt = (ms: number) => Math.max(0, Math.min(ROWS, Math.ceil(((ms - start) * ROWS) / span)));
  let next = 0;
  let loaded = 0;
  const worker = async () => {
    const client = new pg.Client({ connectionString: url.toString() });
    client.on('error', () => {}); // a failure shows as the query's rejection
    await client.connect();
    while (next < months.length) {
      const month = months[next++]!;
      const name = partitionName(SIGN_INS, month);
      const to = addMonths(month, 1);
      // The hour of jitter carries a month's last rows into the next: each month takes the rows
      // whose time falls in it, from the rows of an hour either side.
      const from = Math.max(0, firstRowAt(month - 3_600_000));
      const until = Math.min(ROWS, firstRowAt(to) + 1);
      await client.query('begin');
      await client.query(`create table ${name} (like sign_ins including defaults)`);
      const { rowCount } = await client.query(`insert into ${name} (tenant_id, id, created_at, user_id,
          user_principal_name, app_id, home_tenant_id, ip_address, client_app_used, is_interactive, error_code,
          failure_reason, authentication_requirement, requirement_policy, authentication_details, correlation_id)
        select ${tenantOfRow}, 'c0000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'), ${timeOf('g')},
          'a0000000-0000-4000-8000-' || lpad(to_hex(g % ${users}), 12, '0'),
          'user' || (g % ${users}) || '@bench.example', 'c0a1b2c3-0d0e-4f00-a000-00000000a001',
          ${tenantOfRow}, '192.0.2.' || (g % 250), 'Browser', 1,
          case when g % 20 = 0 then 50126 else 0 end,
          case when g % 20 = 0 then 'Invalid username or password.' end,
          'singleFactorAuthentication', null, '[]', null
        from generate_series(${from}::bigint, ${until - 1}) g
        where ${timeOf('g')} >= ${month} and ${timeOf('g')} < ${to}`);
      await client.query(
        `alter table sign_ins attach partition ${name} for values from (${month}) to (${to})`,
      );
      await client.query('commit');
      loaded += rowCount ?? 0;
      log(
        `  ${name}: ${rowCount} rows; ${(loaded / 1e6).toFixed(1)} M in ${((performance.now() - t) / 1000).toFixed(0)} s`,
      );
    }
    await client.end();
  };
  await Promise.all([worker(), worker()]);
  const seconds = (performance.now() - t) / 1000;
  log(
    `loaded and indexed ${loaded} rows in ${seconds.toFixed(1)} s (${(loaded / seconds / 1000).toFixed(0)} k rows/s)`,
  );
  t = performance.now();
  await direct('analyze sign_ins');
  log(`analyzed in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

async function graphToken(): Promise<string> {
  const secret = demo?.clients['contoso-automation']?.clientSecret ?? reusedSecret;
  if (!secret) throw new Error('no secret of contoso-automation');
  const response = await fetch(`${config.baseUrl}/${contosoId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: 'contoso-automation',
      client_secret: secret,
      scope: `${GRAPH_API}/.default`,
    }),
  });
  const json = (await response.json()) as { access_token?: string };
  if (!json.access_token) throw new Error(`no Graph token: ${JSON.stringify(json)}`);
  return json.access_token;
}

async function measure(): Promise<void> {
  const token = await graphToken();
  const since = new Date(now - 7 * DAY_MS).toISOString();
  const path = (u: number) =>
    `/v1.0/auditLogs/signIns?$filter=${encodeURIComponent(`userId eq '${userIdOf(u)}' and createdDateTime ge ${since}`)}`;
  // Interleaved with each, the same token's `GET /v1.0/users?$top=1` (one small row): what any
  // Graph request costs on the machine at that moment, so the log's own share can be told apart
  // from a busy machine's (the same-run comparison of docs/benchmarks.md).
  const get = async (target: string) => {
    const started = performance.now();
    const response = await fetch(`${config.baseUrl}${target}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = (await response.json()) as { value?: unknown[] };
    if (response.status !== 200 || !body.value) throw new Error(`${response.status} ${JSON.stringify(body)}`);
    return { ms: performance.now() - started, rows: body.value.length };
  };
  const timings: number[] = [];
  const baseline: number[] = [];
  let rows = 0;
  for (let i = 0; i < 100 + REQUESTS; i++) {
    const signIns = await get(path(i % USERS_PER_TENANT));
    const organization = await get('/v1.0/users?$top=1');
    if (i >= 100) {
      timings.push(signIns.ms);
      baseline.push(organization.ms);
      rows += signIns.rows;
    }
  }
  const figures = (values: number[]) =>
    `p50 ${percentile(values, 50).toFixed(2)} ms, p99 ${percentile(values, 99).toFixed(2)} ms`;
  log(
    `Graph signIns, one user, 7 days (${REQUESTS} requests after 100 of warm-up, ${(rows / REQUESTS).toFixed(1)} rows each): ${figures(timings)} (goal p99 < 50 ms)`,
  );
  log(`Graph users?$top=1, interleaved (the machine's baseline): ${figures(baseline)}`);
  const { rows: plan } = await sql<{
    'QUERY PLAN': string;
  }>`explain (analyze, buffers) select s.* from sign_ins s
    left join users u on u.id = s.user_id and u.tenant_id = coalesce(s.home_tenant_id, s.tenant_id)
    left join applications a on a.id = s.app_id
    where (s.tenant_id = ${contosoId} or s.home_tenant_id = ${contosoId}) and s.user_id = ${userIdOf(3)}
    and s.created_at >= ${now - 7 * DAY_MS} order by s.created_at desc, s.id limit 101`.execute(ctx.db);
  console.log(plan.map((r) => r['QUERY PLAN']).join('\n'));
}

/**
 * Step 4, with a writer beside it: Contoso's sign-ins keep being recorded one after another while
 * the months are dropped and the rest deleted in batches; their latencies show whether retention
 * holds writers up (issue 16 item 4: "without blocking writers").
 */
async function retain(): Promise<void> {
  let running = true;
  const writes: number[] = [];
  const writer = (async () => {
    while (running) {
      const started = performance.now();
      await recordSignIn(ctx.db, {
        resourceTenantId: contosoId,
        homeTenantId: contosoId,
        userId: userIdOf(1),
        userPrincipalName: 'user1@bench.example',
        appId: null,
        ipAddress: '192.0.2.1',
        clientAppUsed: 'Browser',
        isInteractive: true,
        errorCode: 0,
        authenticationRequirement: 'singleFactorAuthentication',
        requirementPolicy: null,
        steps: [],
        createdAt: Date.now(),
      });
      writes.push(performance.now() - started);
    }
  })();
  try {
    let t = performance.now();
    const partitions = await maintainPartitions(ctx.db, now, await longestLogRetention(ctx.db));
    const dropped = partitions.dropped.filter((p) => p.startsWith('sign_ins_'));
    log(
      `partitions: ${dropped.length} sign-in months dropped (${dropped.join(', ')}) in ${((performance.now() - t) / 1000).toFixed(2)} s`,
    );
    t = performance.now();
    const run = await runRetention(ctx.db, 'postgres', now);
    const seconds = (performance.now() - t) / 1000;
    log(
      `batched deletes: ${run.deleted.sign_ins} sign-in rows (of the month only partly past 30 days) in ${seconds.toFixed(1)} s, ${(run.deleted.sign_ins / seconds).toFixed(0)} rows/s, over ${TENANTS} tenants`,
    );
  } finally {
    running = false;
    await writer;
  }
  log(
    `sign-ins written meanwhile: ${writes.length}, p50 ${percentile(writes, 50).toFixed(2)} ms, p99 ${percentile(writes, 99).toFixed(2)} ms, max ${Math.max(...writes).toFixed(1)} ms`,
  );
  const { rows: left } = await direct('select count(*) as n from sign_ins');
  log(`sign_ins holds ${Number(left[0]?.n)} rows`);
}

let failed = false;
try {
  if (!reuse)
    await load().catch((error: unknown) => {
      console.error(error);
      throw error;
    });
  const { rows } = await direct('select count(*) as n from sign_ins');
  log(`sign_ins holds ${Number(rows[0]?.n)} rows`);
  await measure();
  if (!keep) await retain();
} catch (error) {
  failed = true;
  throw error;
} finally {
  await app.close();
  await ctx.db.destroy();
  rmSync(dataDir, { recursive: true, force: true });
  if (keep || failed) log(`database kept: ${name} (measure it again with --reuse=${name})`);
  else await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}
