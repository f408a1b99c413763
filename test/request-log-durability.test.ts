import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import pino from 'pino';
import type { DemoData } from '../src/demo/demo-data.ts';
import { RequestLog, RequestNotRecorded, type RequestRecord } from '../src/reports/request-log.ts';
import { openDatabase } from '../src/storage/database.ts';
import { PARTNER_API } from '../src/tokens/audiences.ts';
import { dashboardSignIn } from './support/dashboard.ts';
import { startWarden, type TestWarden, testDatabase } from './support/harness.ts';
import { freePort, ServerProcess } from './support/server-process.ts';
import { appOnlyToken, callApi, sign, userClaims, userToken } from './support/tokens.ts';

/**
 * SPEC §11 counts Partner API requests from the request log, and the README promises that every
 * request is written there. A crash must not lose the row of a request whose response went out:
 * this test runs a real Warden (`src/main.ts`) as a child process, keeps it busy, kills it with
 * SIGKILL (no shutdown hook runs) and then reads the database the child left behind.
 */

/** Requests in flight at once; the kill comes when this many responses have arrived. */
const WORKERS = 16;
const ANSWERS_BEFORE_KILL = 300;

describe('request log durability (SPEC §11)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-durability-'));
  let database: Awaited<ReturnType<typeof testDatabase>>;
  let server: ServerProcess | undefined;

  before(async () => {
    database = await testDatabase('warden_durability');
  });
  after(async () => {
    if (server && server.child.exitCode === null && server.child.signalCode === null)
      server.child.kill('SIGKILL');
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('SPEC §11: every answered Partner API request has its row, even after kill -9', async () => {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    server = new ServerProcess(port, {
      WARDEN_BASE_URL: baseUrl,
      WARDEN_DATA_DIR: dataDir,
      ...(database.url ? { DATABASE_URL: database.url } : {}),
    });
    await server.running;
    const child = server.child;
    const demo = JSON.parse(readFileSync(join(dataDir, 'demo.json'), 'utf8')) as DemoData;
    const automation = demo.clients['contoso-automation']!;
    const tokenResponse = await fetch(`${baseUrl}/${demo.tenants.contoso!.id}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: automation.clientId,
        client_secret: automation.clientSecret ?? '',
        scope: `${PARTNER_API}/.default`,
      }),
    });
    const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
    assert.ok(token, 'an app-only token for the Partner API');

    // Every response that arrived, by its correlation id and status; requests the kill cut short.
    const answered = new Map<string, number>();
    let unanswered = 0;
    const worker = async () => {
      for (;;) {
        let response: Response;
        try {
          response = await fetch(`${baseUrl}/v1/customers`, {
            headers: { authorization: `Bearer ${token}` },
          });
        } catch {
          unanswered++;
          return; // the server is gone
        }
        // Headers arrived: the request was answered, whatever happens to the body.
        answered.set(response.headers.get('ms-correlationid') ?? '', response.status);
        if (answered.size === ANSWERS_BEFORE_KILL) child.kill('SIGKILL');
        await response.arrayBuffer().catch(() => undefined);
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, worker));
    assert.equal((await server.exited).signal, 'SIGKILL', 'the server was killed, not shut down');
    assert.ok(answered.size >= ANSWERS_BEFORE_KILL, `${answered.size} answered`);
    assert.ok(unanswered > 0, 'requests were still being sent when the server died');
    assert.ok(!answered.has(''), 'every response carries MS-CorrelationId');
    assert.deepEqual(new Set(answered.values()), new Set([200]), 'the requests succeeded');

    const { db } = await openDatabase({ databaseUrl: database.url, dataDir });
    try {
      const rows = await db
        .selectFrom('request_log')
        .select(['correlation_id', 'status_code', 'operation', 'surface'])
        .where('tenant_id', '=', demo.tenants.contoso!.id)
        .execute();
      const logged = new Map(rows.map((r) => [r.correlation_id, r]));
      const missing = [...answered.keys()].filter((id) => !logged.has(id));
      assert.equal(
        missing.length,
        0,
        `${missing.length} of ${answered.size} answered requests have no request-log row (${missing.slice(0, 3).join(', ')}…)`,
      );
      for (const [id, status] of answered) {
        const row = logged.get(id)!;
        assert.deepEqual(
          [Number(row.status_code), row.operation, row.surface],
          [status, 'customers.list', 'api-app-only'],
        );
      }
    } finally {
      await db.destroy();
    }
  });
});

describe('request log group commit (SPEC §11)', () => {
  let w: TestWarden;
  let token: string;
  before(async () => {
    w = await startWarden();
    token = await appOnlyToken(w);
  });
  after(() => w.stop());

  const rowsOf = async (correlationId: string) =>
    w.ctx.db.selectFrom('request_log').selectAll().where('correlation_id', '=', correlationId).execute();
  /** The database refuses request-log writes while the table is away (a real refusal, not a stub). */
  const takeTableAway = () => sql`alter table request_log rename to request_log_away`.execute(w.ctx.db);
  const bringTableBack = () => sql`alter table request_log_away rename to request_log`.execute(w.ctx.db);
  const entry = (correlationId: string): RequestRecord => ({
    tenantId: w.demo.tenants.contoso!.id,
    surface: 'api-app-only',
    operation: 'customers.list',
    appId: 'contoso-automation',
    mfaCompliant: false,
    statusCode: 200,
    correlationId,
    occurredAt: w.clock.now(),
  });
  /** A RequestLog whose log lines the test reads. */
  const withLines = (options: ConstructorParameters<typeof RequestLog>[2] = {}) => {
    const lines: { level: number; msg: string; rows?: number }[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    return { log: new RequestLog(w.ctx.db, pino(sink), options), lines };
  };

  it('SPEC §11: a Partner API response goes out only once its row is stored (no flush needed)', async () => {
    const responses = await Promise.all(
      Array.from({ length: 12 }, () => callApi(w, 'GET', '/v1/customers', { token })),
    );
    for (const res of responses) {
      assert.equal(res.status, 200);
      assert.equal((await rowsOf(res.headers.get('ms-correlationid')!)).length, 1);
    }
  });

  it('SPEC §11: each record() resolves once its row is stored', async () => {
    const { log } = withLines();
    const ids = Array.from({ length: 50 }, () => randomUUID());
    await Promise.all(ids.map((id) => log.record(entry(id))));
    const stored = await w.ctx.db
      .selectFrom('request_log')
      .select('correlation_id')
      .where('correlation_id', 'in', ids)
      .execute();
    assert.equal(stored.length, ids.length);
  });

  it('SPEC §11: a Partner API request whose row the database refuses gets 503 request_log_unavailable with Retry-After', async () => {
    const withoutMfa = await sign(w, userClaims(w, 'jane@contoso.example', { amr: ['pwd'] }));
    await takeTableAway();
    let refused: Awaited<ReturnType<typeof callApi>>;
    let refusedRefusal: Awaited<ReturnType<typeof callApi>>;
    try {
      refused = await callApi(w, 'GET', '/v1/customers', { token });
      refusedRefusal = await callApi(w, 'GET', '/v1/customers', { token: withoutMfa });
    } finally {
      await bringTableBack();
    }
    assert.equal(refused.status, 503);
    assert.equal(refused.body.wardenCode, 'request_log_unavailable');
    assert.equal(refused.headers.get('retry-after'), '5');
    // A refusal (401 mfa_required) is replaced whole: status, reason phrase and challenge.
    assert.deepEqual(
      [refusedRefusal.status, refusedRefusal.statusText, refusedRefusal.body.wardenCode],
      [503, 'Service Unavailable', 'request_log_unavailable'],
    );
    assert.equal(refusedRefusal.headers.get('www-authenticate'), null);
    const correlationId = refused.headers.get('ms-correlationid')!;
    assert.ok(correlationId);
    // Once the database takes writes again, requests succeed; the refused row is not stored late.
    const next = await callApi(w, 'GET', '/v1/customers', { token });
    assert.equal(next.status, 200);
    await w.ctx.requestLog.flush();
    assert.equal((await rowsOf(next.headers.get('ms-correlationid')!)).length, 1);
    assert.equal((await rowsOf(correlationId)).length, 0);
  });

  it('RFC 9110 §15.6.4: a Partner API change that was made keeps its answer when its row cannot be stored at once (never a 503 inviting a second order)', async () => {
    const northwind = w.demo.customers['northwind.example']!;
    const orders = async () =>
      Number(
        (
          await w.ctx.db
            .selectFrom('orders')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const jane = await userToken(w, 'jane@contoso.example');
    const before = await orders();
    await takeTableAway();
    let placed: Awaited<ReturnType<typeof callApi>>;
    try {
      placed = await callApi(w, 'POST', `/v1/customers/${northwind}/orders`, {
        token: jane,
        body: { lineItems: [{ lineItemNumber: 0, offerId: 'WRD-MAIL-1', quantity: 1 }] },
      });
    } finally {
      await bringTableBack();
    }
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    assert.equal(placed.headers.get('retry-after'), null);
    assert.equal(await orders(), before + 1, 'the order is placed once, and the client is told so');
  });

  it('SPEC §11 B1: a dashboard page whose row the database refuses is replaced by a 503 page', async () => {
    const { ua } = await dashboardSignIn(w, 'jane@contoso.example', { mfa: true });
    await takeTableAway();
    let refused: Response;
    try {
      refused = await ua.request(`${w.baseUrl}/dashboard`);
    } finally {
      await bringTableBack();
    }
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('retry-after'), '5');
    assert.match(refused.headers.get('content-type') ?? '', /^text\/html/);
    assert.ok(refused.headers.get('content-security-policy'));
    await refused.text();
    assert.equal((await ua.request(`${w.baseUrl}/dashboard`)).status, 200);
  });

  it('Operations: rows recorded together share one write; a refused write rejects each of its record() calls and is logged once', async () => {
    const { log, lines } = withLines();
    await takeTableAway();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, () => log.record(entry(randomUUID()))),
    );
    await bringTableBack();
    for (const outcome of outcomes) {
      assert.equal(outcome.status, 'rejected');
      assert.ok(outcome.reason instanceof RequestNotRecorded);
      assert.equal(outcome.reason.reason, 'write_failed');
    }
    assert.deepEqual(
      lines.filter((l) => l.level === 50).map((l) => [l.msg, l.rows]),
      [['request log write failed: its requests are answered 503', 20]],
    );
  });

  it('Operations: the request-log queue is bounded: past maxWaiting, record() refuses at once', async () => {
    const { log, lines } = withLines({ intervalMs: 3_600_000, maxWaiting: 2 });
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    const waiting = [log.record(entry(ids[0]!)), log.record(entry(ids[1]!))];
    await assert.rejects(
      log.record(entry(ids[2]!)),
      (e: unknown) => e instanceof RequestNotRecorded && e.reason === 'queue_full',
    );
    await log.close();
    await Promise.all(waiting);
    assert.equal((await rowsOf(ids[0]!)).length, 1);
    assert.equal((await rowsOf(ids[2]!)).length, 0);
    assert.deepEqual(
      lines.map((l) => [l.level, l.msg]),
      [
        [50, 'request log queue full: requests are refused'],
        [40, 'request log queue has room again'],
      ],
    );
  });
});
