/**
 * The cost of one request-log row, by itself (docs/benchmarks.md, "Request log"): `concurrency`
 * callers each record a row and wait for it, over and over, against a fresh database (SQLite in a
 * temp dir, or a database of its own on the PostgreSQL server named on the command line).
 *
 *   node bench/request-log.ts [postgres://user@host:port/db]
 *
 * Prints wall-clock and CPU microseconds per row at 1, 8 and 64 callers. It uses only
 * `record()` and `flush()`, so the same file measures an older RequestLog too (whose `record()`
 * returned nothing: the rows were written later, in the background).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { RequestLog } from '../src/reports/request-log.ts';
import { openDatabase } from '../src/storage/database.ts';

const ROWS = 4000;
const adminUrl = process.argv[2];
const dataDir = mkdtempSync(join(tmpdir(), 'warden-bench-log-'));
const name = `warden_bench_log_${process.pid}`;

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(statement);
  await client.end();
}

let databaseUrl: string | undefined;
if (adminUrl) {
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  databaseUrl = url.toString();
}
const { db, kind } = await openDatabase({ databaseUrl, dataDir });
try {
  const log = new RequestLog(db, pino({ level: 'silent' }));
  for (const concurrency of [1, 8, 64]) {
    let next = 0;
    const caller = async () => {
      while (next < ROWS) {
        const stored: Promise<void> | undefined = log.record({
          tenantId: '00000000-0000-4000-8000-000000000000',
          surface: 'api-app-only',
          operation: 'customers.list',
          appId: 'bench',
          mfaCompliant: false,
          statusCode: 200,
          correlationId: String(next++),
          occurredAt: Date.now(),
        });
        await stored;
      }
    };
    const cpu = process.cpuUsage();
    const started = performance.now();
    await Promise.all(Array.from({ length: concurrency }, caller));
    await log.flush();
    const wallUs = ((performance.now() - started) * 1000) / ROWS;
    const used = process.cpuUsage(cpu);
    const cpuUs = (used.user + used.system) / ROWS;
    console.log(
      `${kind}, ${String(concurrency).padStart(2)} callers: ${wallUs.toFixed(1)} µs/row wall, ${cpuUs.toFixed(1)} µs/row CPU`,
    );
  }
} finally {
  await db.destroy();
  if (adminUrl) await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  rmSync(dataDir, { recursive: true, force: true });
}
