/**
 * Child process: Warden as src/main.ts starts it (SQLite in a fresh temp data dir, demo data,
 * logging silent), listening on 127.0.0.1. The parent (bench/run.ts) drives it over node IPC:
 * create sign-in users, or measure argon2id hashes/s inside this process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hash } from '@node-rs/argon2';
import { sql } from 'kysely';
import { createContext } from '../../src/app.ts';
import { ARGON2_OPTIONS, hashPassword } from '../../src/authentication-methods/passwords.ts';
import { addTotpMethod, newTotpSecret } from '../../src/authentication-methods/totp.ts';
import { loadConfig } from '../../src/config.ts';
import { seedDemoData } from '../../src/demo/demo-data.ts';
import { createUser } from '../../src/directory/users.ts';
import { buildServer } from '../../src/http/server.ts';
import { freePort, type Ready, serveRequests } from '../common.ts';
import { createBenchTenants } from '../tenant-generator.ts';

export interface WardenInfo {
  contosoId: string;
  /** A customer tenant of Contoso's (the AOBO benchmark signs in there). */
  northwindId: string;
  automationClientId: string;
  automationSecret: string;
  /** The password of the users createUsers makes. */
  password: string;
  /** Warden's data directory (SQLite): the conventional peer of the Partner API benchmark reads it too. */
  dataDir: string;
  /** With BENCH_METRICS=on (bench/metrics.ts): where this child serves /metrics (issue 16 item 2). */
  metricsPort: number | undefined;
}

export interface BenchUser {
  upn: string;
  totpSecret: string;
}

const dataDir = mkdtempSync(join(tmpdir(), 'warden-bench-'));
process.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));

const port = await freePort();
const metricsPort = process.env.BENCH_METRICS === 'on' ? await freePort() : undefined;
const config = loadConfig({
  PORT: String(port),
  WARDEN_BASE_URL: `http://localhost:${port}`,
  WARDEN_DATA_DIR: dataDir,
  LOG_LEVEL: 'silent',
  // Load shedding (src/http/load-shedding.ts) refuses requests past 1 s of event-loop lag; creating
  // thousands of users in one transaction, or a busy shared machine, reaches that, and a benchmark
  // wants the requests served and timed, not refused.
  WARDEN_MAX_EVENT_LOOP_DELAY_MS: '10000',
  // bench/authorities.ts runs with and without a budget of authorities (issue 16 item 3).
  ...(process.env.WARDEN_AUTHORITY_CACHE_SIZE
    ? { WARDEN_AUTHORITY_CACHE_SIZE: process.env.WARDEN_AUTHORITY_CACHE_SIZE }
    : {}),
  // The argon2id lane's width (issue 16 item 5): default one core fewer than the machine has.
  ...(process.env.WARDEN_PASSWORD_HASH_CONCURRENCY
    ? { WARDEN_PASSWORD_HASH_CONCURRENCY: process.env.WARDEN_PASSWORD_HASH_CONCURRENCY }
    : {}),
  ...(metricsPort ? { WARDEN_METRICS_PORT: String(metricsPort) } : {}),
});
const ctx = await createContext(config);
const demo = await seedDemoData(ctx);
if (!demo) throw new Error('demo data was not created (data dir not empty?)');
const automation = demo.clients['contoso-automation'];
const contoso = demo.tenants.contoso;
if (!automation?.clientSecret || !contoso) throw new Error('demo data lacks contoso or contoso-automation');
// bench/compliance.ts compares the Partner API with and without the compliance rollups (SPEC §11):
// this Warden's database (SQLite) does not keep them.
if (process.env.BENCH_REQUEST_ROLLUPS === 'off') await sql`drop trigger request_log_rollups`.execute(ctx.db);
const app = await buildServer(ctx);
await app.listen({ port, host: '127.0.0.1' });

const password = 'Bench-Password-2026!';
let usersMade = 0;

async function createUsers(count: number): Promise<BenchUser[]> {
  // Every user gets the same argon2id hash (same cost to verify as any other); one hash, many users.
  const passwordHash = await hashPassword(password);
  const now = Date.now();
  const users: BenchUser[] = [];
  await ctx.db.transaction().execute(async (trx) => {
    for (let i = 0; i < count; i++) {
      const n = usersMade++;
      const upn = `bench${n}@contoso.example`;
      const user = await createUser(
        trx,
        contoso!.id,
        {
          userPrincipalName: upn,
          displayName: `Bench User ${n}`,
          passwordHash,
          // Security defaults require MFA of administrators: every sign-in is password then TOTP.
          directoryRoles: ['Global Administrator'],
        },
        now,
      );
      const totpSecret = newTotpSecret();
      await addTotpMethod(trx, ctx.secrets, contoso!.id, user.id, totpSecret, now);
      users.push({ upn, totpSecret });
    }
  });
  return users;
}

/**
 * argon2id hashes with Warden's parameters (src/authentication-methods/passwords.ts) and
 * `concurrency` in flight until the deadline: what argon2id alone can do on this machine. They call
 * @node-rs/argon2 itself, not Warden's lane (argon2-lane.ts), which keeps a core for the event loop:
 * the denominator of benchmark 2 is the machine's hash capacity, every core and pool thread used.
 */
async function hashRate(
  durationMs: number,
  concurrency: number,
): Promise<{ count: number; seconds: number }> {
  const start = performance.now();
  const deadline = start + durationMs;
  let count = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      await hash(`bench-${count}-${Math.random()}`, ARGON2_OPTIONS);
      count++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { count, seconds: (performance.now() - start) / 1000 };
}

serveRequests(async (request) => {
  switch (request.cmd) {
    case 'createUsers':
      return createUsers(request.count);
    case 'hash':
      return hashRate(request.durationMs, request.concurrency);
    case 'createTenants':
      return createBenchTenants(ctx, request.count, request.clients);
    case 'authorities':
      return { ...ctx.authorities.stats(), memory: process.memoryUsage() };
    case 'stats': {
      // Rows still in the writer's buffer count too (issue 12 item 5).
      await ctx.servicePrincipalSignIns.flush();
      const count = async (
        table: 'sign_ins' | 'oidc_payloads' | 'sign_in_flows' | 'service_principal_sign_ins',
      ) =>
        Number(
          (
            await ctx.db
              .selectFrom(table)
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      return {
        signIns: await count('sign_ins'),
        oidcPayloads: await count('oidc_payloads'),
        flows: await count('sign_in_flows'),
        servicePrincipalSignIns: await count('service_principal_sign_ins'),
      };
    }
    default:
      throw new Error(`unknown command ${JSON.stringify(request)}`);
  }
});

process.send?.({
  ready: true,
  port,
  info: {
    contosoId: contoso.id,
    northwindId: demo.tenants.northwind!.id,
    automationClientId: automation.clientId,
    automationSecret: automation.clientSecret,
    password,
    dataDir,
    metricsPort,
  },
} satisfies Ready<WardenInfo>);
