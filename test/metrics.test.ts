import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dashboardSignIn } from './support/dashboard.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { completeSecondStep, redeem, startAuthorization } from './support/oidc.ts';
import { freePort } from './support/server-process.ts';
import { appOnlyToken, callApi, userToken } from './support/tokens.ts';
import { UserAgent } from './support/user-agent.ts';

/*
 * Issue 16 items 2 and 7: every series of /metrics is present and moves with real traffic — a
 * sign-in through the pages, Partner API calls with and without `mfa`, token requests — on its
 * own listener, refused without the token, absent when not enabled, and no label names a tenant,
 * a user or a secret.
 */

const TOKEN = 'metrics-test-token-0123456789abcdef0123456789';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus' text format (exposition format 0.0.4): `name{label="value",…} number` lines. */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

/** The sum of the samples of `name` whose labels include `labels`. */
function total(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

function present(samples: Sample[], name: string): boolean {
  return samples.some((s) => s.name === name);
}

describe('Operations: metrics (issue 16 item 2)', () => {
  it('Operations: every writer of the sign-in log counts the row it wrote', () => {
    const src = resolve(import.meta.dirname, '../src');
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
      );
    const writers = files(src).filter((f) =>
      /\brecord(SignIn|RefreshRedemption)\(/.test(readFileSync(f, 'utf8')),
    );
    const uncounted = writers.filter((f) => {
      const text = readFileSync(f, 'utf8');
      // The log's own module and the refresh module it serves are where rows are written, not writers.
      if (f.endsWith('sign-in-logs/sign-in-log.ts') || f.endsWith('sign-in-logs/token-events.ts'))
        return false;
      return !/\.signIn\(/.test(text);
    });
    assert.ok(writers.length >= 4, `found the writers: ${writers.join(', ')}`);
    assert.deepEqual(uncounted, []);
  });

  let w: TestWarden;
  let metricsPort: number;
  const scrape = async (token: string | null = TOKEN) =>
    fetch(`http://127.0.0.1:${metricsPort}/metrics`, {
      headers: token === null ? {} : { authorization: `Bearer ${token}` },
    });
  const samples = async () => {
    const response = await scrape();
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    return parse(await response.text());
  };

  before(async () => {
    metricsPort = await freePort();
    w = await startWarden({ env: { WARDEN_METRICS_PORT: String(metricsPort), WARDEN_METRICS_TOKEN: TOKEN } });
  });
  after(async () => w.stop());

  it('Operations: each series is present and moves with a sign-in, Partner API calls with and without mfa, and token requests', async () => {
    const first = await samples();

    // A real interactive sign-in (password and TOTP) and its code redeemed: authorization_code.
    const jane = await userToken(w, 'jane@contoso.example');
    // John (no MFA policy) signs in with the password alone: an App+User token without `mfa`.
    const start = await startAuthorization(w, 'fabrikam');
    const ua = new UserAgent();
    await ua.navigate(start.url);
    const password = await ua.submit('password', {
      username: 'john@fabrikam.example',
      password: w.demo.password,
    });
    const { at } = await completeSecondStep(w, ua, {
      at: password,
      upn: 'john@fabrikam.example',
      mfa: false,
    });
    const john = (await redeem(start, at)).access_token;
    // A password that is wrong: a failed sign-in, AADSTS50126.
    const wrong = await startAuthorization(w, 'contoso');
    const ua2 = new UserAgent();
    await ua2.navigate(wrong.url);
    await ua2.submit('password', { username: 'jane@contoso.example', password: 'not-the-password' });
    const app = await appOnlyToken(w);
    // A client secret that is wrong: a refusal at the token endpoint (invalid_client).
    await assert.rejects(appOnlyToken(w, 'contoso-automation', 'not-the-secret'));

    assert.equal((await callApi(w, 'GET', '/v1/customers', { token: jane })).status, 200);
    assert.equal((await callApi(w, 'GET', '/v1/customers', { token: john })).status, 401);
    assert.equal((await callApi(w, 'GET', '/v1/customers', { token: app })).status, 200);
    await w.ctx.requestLog.flush();
    const second = await samples();
    const moved = (name: string, labels: Record<string, string> = {}) =>
      total(second, name, labels) - total(first, name, labels);

    // HTTP requests by surface, route pattern, status and tenant class; latency histograms.
    const customers = { surface: 'partner-api', route: '/v1/customers', method: 'GET' };
    assert.equal(
      moved('warden_http_request_duration_seconds_count', {
        ...customers,
        status: '200',
        tenant_class: 'partner',
      }),
      2,
    );
    assert.equal(
      moved('warden_http_request_duration_seconds_count', {
        ...customers,
        status: '401',
        tenant_class: 'partner',
      }),
      1,
    );
    assert.ok(moved('warden_http_request_duration_seconds_sum', customers) > 0);
    assert.equal(
      moved('warden_http_request_duration_seconds_bucket', { ...customers, status: '200', le: '+Inf' }),
      2,
    );
    const token = {
      surface: 'authority',
      route: '/{tenant}/oauth2/v2.0/token',
      method: 'POST',
      status: '200',
    };
    assert.equal(
      moved('warden_http_request_duration_seconds_count', { ...token, tenant_class: 'partner' }),
      3,
    );
    assert.ok(
      moved('warden_http_request_duration_seconds_count', {
        surface: 'authority',
        route: '/:tenantId/login/:uid',
        method: 'POST',
      }) >= 3,
      'the sign-in pages are the authority surface',
    );
    // Sign-ins by outcome and AADSTS code, where the sign-in log row is written.
    assert.equal(
      moved('warden_sign_ins_total', { outcome: 'success', error_code: '0', interactive: 'true' }),
      2,
    );
    assert.equal(moved('warden_sign_ins_total', { outcome: 'failure', error_code: '50126' }), 1);
    // The MFA share of App+User Partner API requests (SPEC §11 B2).
    assert.equal(moved('warden_partner_api_app_user_requests_total', { mfa: 'true' }), 1);
    assert.equal(moved('warden_partner_api_app_user_requests_total', { mfa: 'false' }), 1);
    // Token issuance by grant type.
    assert.equal(moved('warden_tokens_issued_total', { grant_type: 'authorization_code' }), 2);
    assert.equal(moved('warden_tokens_issued_total', { grant_type: 'client_credentials' }), 1);
    assert.equal(
      moved('warden_token_errors_total', { grant_type: 'client_credentials', error: 'invalid_client' }),
      1,
    );
    // Service principals' sign-ins (client credentials): the token above and the refused secret.
    assert.equal(
      moved('warden_service_principal_sign_ins_total', { outcome: 'success', error_code: '0' }),
      1,
    );
    assert.equal(moved('warden_service_principal_sign_ins_total', { outcome: 'failure' }), 1);
    assert.ok(present(second, 'warden_service_principal_sign_in_log_buffered'));
    // Database: query latency by operation, and the pool.
    assert.ok(moved('warden_db_query_duration_seconds_count', { operation: 'select', outcome: 'ok' }) > 10);
    assert.ok(moved('warden_db_query_duration_seconds_count', { operation: 'insert', outcome: 'ok' }) > 0);
    const database = { database: w.ctx.dbKind };
    assert.ok(total(second, 'warden_db_pool_connections', database) >= 1);
    assert.ok(present(second, 'warden_db_pool_idle_connections'));
    assert.equal(total(second, 'warden_db_pool_waiting_requests', database), 0);
    assert.equal(
      total(second, 'warden_db_pool_max_connections', database),
      w.ctx.dbKind === 'postgres' ? 10 : 1,
    );
    // argon2id's lane: nothing hashing or waiting between requests.
    assert.equal(total(second, 'warden_password_hashes_running'), 0);
    assert.equal(total(second, 'warden_password_hashes_waiting'), 0);
    // The request log: its queue (flushed: empty) and its batch writes.
    assert.equal(total(second, 'warden_request_log_queue_depth'), 0);
    assert.ok(moved('warden_request_log_flush_duration_seconds_count', { outcome: 'ok' }) >= 1);
    assert.equal(moved('warden_request_log_rows_total', { outcome: 'ok' }), 3);
    // Event-loop lag (prom-client's default metrics: perf_hooks.monitorEventLoopDelay).
    assert.ok(present(second, 'nodejs_eventloop_lag_seconds'));
    assert.ok(present(second, 'nodejs_eventloop_lag_p99_seconds'));

    // No label holds a tenant id or domain, a user, a client id, a secret or a token.
    const forbidden = [
      ...Object.values(w.demo.tenants).flatMap((t) => [t.id, t.domain]),
      ...Object.entries(w.demo.users).flatMap(([upn, u]) => [upn, u.id]),
      ...Object.entries(w.demo.clients).flatMap(([alias, c]) => [alias, c.clientId, c.clientSecret ?? '']),
      w.demo.password,
      TOKEN,
    ].filter((s) => s.length > 0);
    for (const sample of second)
      for (const value of Object.values(sample.labels))
        for (const secret of forbidden)
          assert.ok(!value.includes(secret), `${sample.name} has a label naming ${secret}`);
    assert.ok(!JSON.stringify(second).includes(jane.slice(0, 40)));
  });

  it('Operations: the Grafana dashboard queries only series and labels /metrics serves', async () => {
    const scraped = await samples();
    const dashboard = JSON.parse(
      readFileSync(resolve(import.meta.dirname, '../docs/grafana-dashboard.json'), 'utf8'),
    ) as { panels: { title: string; targets?: { expr: string }[] }[] };
    const exprs = dashboard.panels.flatMap((p) =>
      (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })),
    );
    assert.ok(exprs.length >= 20);
    for (const { panel, expr } of exprs) {
      const names = [...expr.matchAll(/\b(?:warden|nodejs|process)_[a-z0-9_]+/g)].map((m) => m[0]);
      assert.ok(names.length > 0, `${panel}: ${expr}`);
      for (const name of names) {
        const series = scraped.filter((s) => s.name === name);
        assert.ok(series.length > 0, `${panel}: /metrics has no ${name}`);
        // Prometheus adds `instance` (and `le` is the histogram's own); every other label must exist.
        for (const [, list] of expr.matchAll(/\bby \(([^)]*)\)/g))
          for (const label of list!.split(',').map((l) => l.trim()))
            if (label !== 'instance' && label !== 'le')
              assert.ok(
                scraped.some((s) => names.includes(s.name) && label in s.labels),
                `${panel}: no series of ${names.join(', ')} has the label ${label}`,
              );
      }
    }
  });

  it("Operations: dashboard pages count under their surface and the viewer's tenant class", async () => {
    const before = await samples();
    const { ua } = await dashboardSignIn(w, 'jane@contoso.example', { mfa: true });
    await ua.navigate(`${w.baseUrl}/dashboard`);
    const after = await samples();
    const page = {
      surface: 'dashboard',
      route: '/dashboard',
      method: 'GET',
      status: '200',
      tenant_class: 'partner',
    };
    const count = 'warden_http_request_duration_seconds_count';
    assert.ok(total(after, count, page) - total(before, count, page) >= 1);
  });

  it('Operations: a scrape without the metrics token, or with another, is refused (401)', async () => {
    assert.equal((await scrape(null)).status, 401);
    assert.equal((await scrape(`${TOKEN}x`)).status, 401);
    assert.equal((await scrape('')).status, 401);
    assert.equal((await scrape(TOKEN)).status, 200);
  });

  it('Operations: /metrics is never served on the public port', async () => {
    const response = await fetch(`${w.baseUrl}/metrics`);
    assert.equal(response.status, 404);
  });
});
