import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { BoundCounter, BoundHistogram, type CounterCell, type HistogramCell } from './bound-series.ts';
import { HttpRequests } from './http-requests.ts';

/** What the database pool holds now (PostgreSQL: pg.Pool's counts; SQLite: its one connection). */
export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
  max: number;
}

/** Seconds: an indexed SQLite read (~20 µs) to a statement near its timeout. */
const QUERY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5];
const FLUSH_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];

const OPERATIONS = ['select', 'insert', 'update', 'delete', 'other'] as const;

/** Entra's sign-in log says "interrupted" of a sign-in that stopped to ask for (more) MFA. */
const INTERRUPTED = new Set([50074, 50076, 50079]);

/** Grant types a label may name; anything else a client sends is `other` (bounded cardinality). */
const GRANT_TYPES = new Set([
  'authorization_code',
  'refresh_token',
  'client_credentials',
  'password',
  'urn:ietf:params:oauth:grant-type:device_code',
  'urn:ietf:params:oauth:grant-type:jwt-bearer',
  'urn:openid:params:grant-type:ciba',
]);

/** OAuth error codes (RFC 6749 §5.2 and the extensions oidc-provider answers); others are `other`. */
const TOKEN_ERRORS = new Set([
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'invalid_target',
  'authorization_pending',
  'slow_down',
  'access_denied',
  'expired_token',
  'server_error',
  'temporarily_unavailable',
]);

/**
 * Issue 16 item 2: Warden's Prometheus series, on a registry of their own (never prom-client's
 * global one: two Wardens in one process, as the tests run them, keep apart, and no library's
 * metrics join in unasked). docs/metrics.md lists every series. Labels hold only bounded,
 * non-secret values: surfaces, route patterns, codes, classes — never a tenant id, a user, a
 * client id or a URL.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly http = new HttpRequests();
  readonly #signIns: Counter<'outcome' | 'error_code' | 'interactive'>;
  readonly #withMfa: CounterCell;
  readonly #withoutMfa: CounterCell;
  readonly #tokens: Counter<'grant_type'>;
  readonly #tokenErrors: Counter<'grant_type' | 'error'>;
  readonly #queries: HistogramCell[];
  readonly #failedQueries: HistogramCell[];
  readonly #servicePrincipalSignIns: BoundCounter;
  readonly #servicePrincipalCells = new Map<number, CounterCell>();
  readonly #flushes: Histogram<'outcome'>;
  readonly #flushedRows: Counter<'outcome'>;

  constructor() {
    const registers = [this.registry];
    // Event-loop lag and delay percentiles (perf_hooks.monitorEventLoopDelay), heap, GC, CPU.
    collectDefaultMetrics({ register: this.registry });
    this.registry.registerMetric(this.http.histogram as never);
    this.#signIns = new Counter({
      name: 'warden_sign_ins_total',
      help: 'Sign-in log rows written, by outcome (success, interrupted, failure) and Entra AADSTS code',
      labelNames: ['outcome', 'error_code', 'interactive'],
      registers,
    });
    const appUser = new BoundCounter(
      'warden_partner_api_app_user_requests_total',
      'App+User Partner API requests of partner tenants, by whether the token carried mfa (SPEC E2, §11 B2)',
    );
    this.registry.registerMetric(appUser as never);
    this.#withMfa = appUser.cell({ mfa: 'true' });
    this.#withoutMfa = appUser.cell({ mfa: 'false' });
    this.#tokens = new Counter({
      name: 'warden_tokens_issued_total',
      help: 'Token endpoint successes (oidc-provider grant.success), by grant type',
      labelNames: ['grant_type'],
      registers,
    });
    this.#tokenErrors = new Counter({
      name: 'warden_token_errors_total',
      help: 'Token endpoint refusals (oidc-provider grant.error), by grant type and OAuth error',
      labelNames: ['grant_type', 'error'],
      registers,
    });
    this.#servicePrincipalSignIns = new BoundCounter(
      'warden_service_principal_sign_ins_total',
      'Service-principal sign-in log rows (client credentials), by outcome and Entra AADSTS code',
    );
    this.registry.registerMetric(this.#servicePrincipalSignIns as never);
    const queries = new BoundHistogram(
      'warden_db_query_duration_seconds',
      'Database statements by operation and outcome, and how long each took',
      QUERY_BUCKETS,
    );
    this.registry.registerMetric(queries as never);
    this.#queries = OPERATIONS.map((operation) => queries.cell({ operation, outcome: 'ok' }));
    this.#failedQueries = OPERATIONS.map((operation) => queries.cell({ operation, outcome: 'error' }));
    this.#flushes = new Histogram({
      name: 'warden_request_log_flush_duration_seconds',
      help: 'Request-log batch writes (SPEC §11), by outcome, and how long each took',
      labelNames: ['outcome'],
      buckets: FLUSH_BUCKETS,
      registers,
    });
    this.#flushedRows = new Counter({
      name: 'warden_request_log_rows_total',
      help: 'Request-log rows written (ok) or refused with their requests (error)',
      labelNames: ['outcome'],
      registers,
    });
  }

  /** Where a sign-in log row is written (sign-in-logs/sign-in-log.ts). */
  signIn(errorCode: number, interactive: boolean): void {
    const outcome = errorCode === 0 ? 'success' : INTERRUPTED.has(errorCode) ? 'interrupted' : 'failure';
    this.#signIns.inc({ outcome, error_code: String(errorCode), interactive: String(interactive) });
  }

  /** A service principal's sign-in (client credentials), as its log row is recorded: on the token path, so a bound cell. */
  servicePrincipalSignIn(errorCode: number): void {
    let cell = this.#servicePrincipalCells.get(errorCode);
    if (!cell) {
      cell = this.#servicePrincipalSignIns.cell({
        outcome: errorCode === 0 ? 'success' : 'failure',
        error_code: String(errorCode),
      });
      this.#servicePrincipalCells.set(errorCode, cell);
    }
    cell.inc();
  }

  /** SPEC §11 B2: an App+User Partner API request of a partner, with or without `mfa`. */
  partnerApiAppUser(mfa: boolean): void {
    (mfa ? this.#withMfa : this.#withoutMfa).inc();
  }

  tokenIssued(grantType: unknown): void {
    this.#tokens.inc({ grant_type: grantLabel(grantType) });
  }

  tokenRefused(grantType: unknown, error: unknown): void {
    const code = typeof error === 'string' && TOKEN_ERRORS.has(error) ? error : 'other';
    this.#tokenErrors.inc({ grant_type: grantLabel(grantType), error: code });
  }

  /** Kysely's `log` hook: every statement, by its first keyword. */
  query(sql: string, seconds: number, ok: boolean): void {
    (ok ? this.#queries : this.#failedQueries)[operationIndex(sql)]!.observe(seconds);
  }

  requestLogFlush(seconds: number, rows: number, ok: boolean): void {
    const outcome = ok ? 'ok' : 'error';
    this.#flushes.observe({ outcome }, seconds);
    this.#flushedRows.inc({ outcome }, rows);
  }

  /** Gauges read when scraped: the pool's connections, and the request-log rows waiting. */
  watch(sources: {
    database: 'sqlite' | 'postgres';
    pool: () => PoolStats;
    requestLogWaiting: () => number;
    servicePrincipalSignInsBuffered: () => number;
    passwordHashes: () => { running: number; waiting: number };
  }) {
    const registers = [this.registry];
    const gauge = (name: string, help: string, read: (p: PoolStats) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['database'],
        registers,
        collect() {
          this.set({ database: sources.database }, read(sources.pool()));
        },
      });
    gauge('warden_db_pool_connections', 'Open database connections (SQLite: its one)', (p) => p.total);
    gauge('warden_db_pool_idle_connections', 'Open database connections not in use', (p) => p.idle);
    gauge('warden_db_pool_waiting_requests', 'Queries waiting for a free connection', (p) => p.waiting);
    gauge('warden_db_pool_max_connections', 'The most connections the pool opens', (p) => p.max);
    new Gauge({
      name: 'warden_request_log_queue_depth',
      help: 'Request-log rows waiting to be written (SPEC §11)',
      registers,
      collect() {
        this.set(sources.requestLogWaiting());
      },
    });
    new Gauge({
      name: 'warden_password_hashes_running',
      help: 'argon2id hashes and verifications running now (at most WARDEN_PASSWORD_HASH_CONCURRENCY)',
      registers,
      collect() {
        this.set(sources.passwordHashes().running);
      },
    });
    new Gauge({
      name: 'warden_password_hashes_waiting',
      help: 'argon2id hashes and verifications waiting for a place',
      registers,
      collect() {
        this.set(sources.passwordHashes().waiting);
      },
    });
    new Gauge({
      name: 'warden_service_principal_sign_in_log_buffered',
      help: 'Service-principal sign-in rows buffered in memory, not yet written',
      registers,
      collect() {
        this.set(sources.servicePrincipalSignInsBuffered());
      },
    });
  }
}

function grantLabel(grantType: unknown): string {
  return typeof grantType === 'string' && GRANT_TYPES.has(grantType) ? grantType : 'other';
}

/** select/insert/update/delete by the statement's first letters (Kysely writes them in lower case). */
function operationIndex(sql: string): number {
  switch (sql.charCodeAt(0)) {
    case 115: // s
      return 0;
    case 105: // i
      return 1;
    case 117: // u
      return 2;
    case 100: // d
      return 3;
    case 119: // w (with … select)
      return 0;
    default:
      return 4;
  }
}
