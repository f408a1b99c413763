import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultArgon2Concurrency, MAX_ARGON2_CONCURRENCY } from './authentication-methods/argon2-lane.ts';
import { ensureSelfSignedCertificate } from './http/self-signed.ts';
import { loadTlsFiles, TlsConfigError, type TlsFiles } from './http/tls.ts';
import { isAddressOrRange } from './http/trusted-proxies.ts';
import { type MetricsConfig, MetricsConfigError, metricsConfigOf } from './metrics/config.ts';
import { type TracingConfig, tracingConfigOf } from './metrics/tracing.ts';

export const DEFAULT_DEMO_PASSWORD = 'Warden-Demo-2026!';

export interface Config {
  port: number;
  host: string;
  baseUrl: string;
  dataDir: string;
  databaseUrl: string | undefined;
  /** demo mode creates demo data and may use fixed demo secrets; production refuses them. */
  demo: boolean;
  demoPassword: string;
  /** 32-byte key that encrypts secrets at rest (signing keys, TOTP seeds, client secrets). */
  masterKey: Buffer;
  logLevel: string;
  /** Certificate and key when Warden serves https itself (WARDEN_TLS_CERT, WARDEN_TLS_KEY, or WARDEN_HTTPS). */
  tls: TlsFiles | undefined;
  /**
   * WARDEN_HTTPS=self-signed (`npm start -- --https`): the certificate is Warden's own demo one, in
   * the data dir; `created` when this start made it.
   */
  selfSigned: { created: boolean } | undefined;
  /** PostgreSQL: longest wait for a connection (WARDEN_DB_CONNECT_TIMEOUT_MS). */
  dbConnectTimeoutMs: number;
  /** PostgreSQL statement_timeout; SQLite busy timeout (WARDEN_DB_STATEMENT_TIMEOUT_MS). */
  dbStatementTimeoutMs: number;
  /** Requests served at once; more are answered 503 at once (WARDEN_MAX_CONCURRENT_REQUESTS). */
  maxConcurrentRequests: number;
  /** Event loop delay beyond which new requests are answered 503 (WARDEN_MAX_EVENT_LOOP_DELAY_MS). */
  maxEventLoopDelayMs: number;
  /** On SIGTERM, how long in-flight requests may take before their connections are cut. */
  shutdownGraceMs: number;
  /** Webhook URLs may name a loopback host, over http too (WARDEN_WEBHOOK_ALLOW_LOOPBACK=1; docs/security-alerts.md). */
  webhookAllowLoopback: boolean;
  /** The CSV that places sign-in addresses (WARDEN_GEOIP_FILE; src/sign-in-logs/geoip.ts), if any. */
  geoIpFile: string | undefined;
  /**
   * Issue 15 item 1: the roots an enforced passkey attestation must chain to (PEM certificates of
   * WARDEN_FIDO_ATTESTATION_ROOTS: the FIDO Metadata Service's or authenticator vendors' roots).
   * None: a tenant that enforces attestation accepts no passkey (fail closed).
   */
  fidoAttestationRoots: string[];
  /**
   * Issue 16 item 3: how many tenant authorities (oidc-providers) are kept in memory at once
   * (WARDEN_AUTHORITY_CACHE_SIZE); past it the least recently used is dropped and rebuilt on use.
   */
  authorityCacheSize: number;
  /**
   * Issue 16 item 5: how many argon2id hashes and verifications run at once
   * (WARDEN_PASSWORD_HASH_CONCURRENCY; default one core and one libuv pool thread fewer than the
   * machine has, at least 1: src/authentication-methods/argon2-lane.ts).
   */
  passwordHashConcurrency: number;
  /**
   * Issue 16 item 1: how long a rotated signing key is published before it signs
   * (WARDEN_KEY_PUBLISH_AHEAD_S, default 600; src/tokens/signing-keys.ts). More than the instances'
   * 30-second key reload, so no instance behind a balancer publishes a JWKS without it.
   */
  keyPublishAheadMs: number;
  /**
   * Issue 16 item 1: the addresses (IPs or CIDR ranges) of the proxies whose X-Forwarded-For and
   * X-Forwarded-Proto Warden believes (WARDEN_TRUSTED_PROXIES, e.g. haproxy's). None: the headers
   * are dropped, and the connection's peer is the client.
   */
  trustedProxies: string[];
  /**
   * Issue 16 item 2: `/metrics` on a listener of its own (WARDEN_METRICS_PORT, _HOST, _TOKEN;
   * docs/metrics.md); undefined: no metrics are recorded or served.
   */
  metrics: MetricsConfig | undefined;
  /** Issue 16 item 2: OpenTelemetry traces to OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, if set. */
  tracing: TracingConfig | undefined;
}

/**
 * The default budget of tenant authorities. A kept authority is about 40 KB of live heap, about
 * 100 KB of RSS with the garbage collector's headroom (docs/benchmarks.md "Authorities at 100,000
 * tenants"): with 2,000 an instance serving 100,000 tenants stays under 1 GiB, and under a
 * Zipf-like load most requests still find their tenant's authority warm.
 */
export const DEFAULT_AUTHORITY_CACHE_SIZE = 2_000;

/** The default of WARDEN_KEY_PUBLISH_AHEAD_S: ten minutes, twenty times the instances' key reload. */
export const DEFAULT_KEY_PUBLISH_AHEAD_S = 600;

export class ConfigError extends Error {}

/** The PEM certificates of a bundle file; a named file that is missing or holds none is an error. */
function attestationRoots(path: string | undefined): string[] {
  if (!path) return [];
  let text: string;
  try {
    text = readFileSync(resolve(path), 'utf8');
  } catch {
    throw new ConfigError(`WARDEN_FIDO_ATTESTATION_ROOTS cannot be read: ${path}`);
  }
  const certificates =
    text.match(/-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+-----END CERTIFICATE-----/g) ?? [];
  if (certificates.length === 0)
    throw new ConfigError(`WARDEN_FIDO_ATTESTATION_ROOTS holds no PEM certificate: ${path}`);
  return certificates;
}

/** WARDEN_TRUSTED_PROXIES: addresses and CIDR ranges, comma-separated; anything else is refused. */
function trustedProxies(value: string | undefined): string[] {
  const entries = (value ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  for (const entry of entries) {
    if (!isAddressOrRange(entry))
      throw new ConfigError(`WARDEN_TRUSTED_PROXIES holds an address or CIDR range per comma, not: ${entry}`);
  }
  return entries;
}

/** Reads configuration from the environment (README "Configuration"). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError(`PORT is not a port: ${env.PORT}`);
  const dataDir = resolve(env.WARDEN_DATA_DIR ?? './data');
  const demo = (env.WARDEN_MODE ?? 'demo') !== 'production';
  const https = httpsMode(env, demo);
  let tls: TlsFiles | undefined;
  let selfSigned: Config['selfSigned'];
  try {
    if (https === 'self-signed') {
      const made = ensureSelfSignedCertificate(dataDir);
      tls = loadTlsFiles(made.certPath, made.keyPath);
      selfSigned = { created: made.created };
    } else {
      tls = loadTlsFiles(env.WARDEN_TLS_CERT || undefined, env.WARDEN_TLS_KEY || undefined);
    }
  } catch (error) {
    if (error instanceof TlsConfigError) throw new ConfigError(error.message);
    throw error;
  }
  const scheme = tls ? 'https' : 'http';
  const baseUrl = (env.WARDEN_BASE_URL ?? `${scheme}://localhost:${port}`).replace(/\/+$/, '');
  try {
    new URL(baseUrl);
  } catch {
    throw new ConfigError(`WARDEN_BASE_URL is not a URL: ${baseUrl}`);
  }
  const demoPassword = env.WARDEN_DEMO_PASSWORD ?? DEFAULT_DEMO_PASSWORD;
  if (!demo && demoPassword === DEFAULT_DEMO_PASSWORD && env.WARDEN_DEMO_PASSWORD !== undefined) {
    throw new ConfigError('the fixed demo password is refused outside demo mode');
  }
  return {
    port,
    host: env.HOST ?? '127.0.0.1',
    baseUrl,
    dataDir,
    databaseUrl: env.DATABASE_URL || undefined,
    demo,
    demoPassword,
    masterKey: loadMasterKey(env.WARDEN_SECRET_KEY, dataDir, demo),
    logLevel: env.LOG_LEVEL ?? (env.NODE_ENV === 'test' ? 'silent' : 'info'),
    tls,
    selfSigned,
    dbConnectTimeoutMs: positiveInteger(env, 'WARDEN_DB_CONNECT_TIMEOUT_MS', 5_000, MAX_TIMER_MS),
    dbStatementTimeoutMs: positiveInteger(env, 'WARDEN_DB_STATEMENT_TIMEOUT_MS', 10_000, MAX_TIMER_MS),
    maxConcurrentRequests: positiveInteger(env, 'WARDEN_MAX_CONCURRENT_REQUESTS', 64),
    maxEventLoopDelayMs: positiveInteger(env, 'WARDEN_MAX_EVENT_LOOP_DELAY_MS', 1_000),
    shutdownGraceMs: positiveInteger(env, 'WARDEN_SHUTDOWN_GRACE_MS', 10_000, MAX_TIMER_MS),
    webhookAllowLoopback: flag(env, 'WARDEN_WEBHOOK_ALLOW_LOOPBACK'),
    geoIpFile: env.WARDEN_GEOIP_FILE ? resolve(env.WARDEN_GEOIP_FILE) : undefined,
    fidoAttestationRoots: attestationRoots(env.WARDEN_FIDO_ATTESTATION_ROOTS),
    authorityCacheSize: positiveInteger(env, 'WARDEN_AUTHORITY_CACHE_SIZE', DEFAULT_AUTHORITY_CACHE_SIZE),
    passwordHashConcurrency: positiveInteger(
      env,
      'WARDEN_PASSWORD_HASH_CONCURRENCY',
      defaultArgon2Concurrency(),
      MAX_ARGON2_CONCURRENCY,
    ),
    keyPublishAheadMs: positiveInteger(env, 'WARDEN_KEY_PUBLISH_AHEAD_S', DEFAULT_KEY_PUBLISH_AHEAD_S) * 1000,
    trustedProxies: trustedProxies(env.WARDEN_TRUSTED_PROXIES),
    metrics: metricsConfig(env, port),
    tracing: tracingConfigOf(env),
  };
}

/**
 * WARDEN_HTTPS: unset (certificates from WARDEN_TLS_CERT/WARDEN_TLS_KEY, or none) or `self-signed`
 * (README "HTTPS": the one-command https demo). A self-signed certificate is a demo convenience,
 * refused in production mode, and never combined with a configured certificate (which one would
 * be served?).
 */
function httpsMode(env: NodeJS.ProcessEnv, demo: boolean): 'self-signed' | undefined {
  const value = env.WARDEN_HTTPS || undefined;
  if (value === undefined) return undefined;
  if (value !== 'self-signed') throw new ConfigError(`WARDEN_HTTPS is self-signed or unset, not: ${value}`);
  if (!demo)
    throw new ConfigError(
      'WARDEN_HTTPS=self-signed is for the demo; in production give WARDEN_TLS_CERT and WARDEN_TLS_KEY (or terminate TLS in a proxy)',
    );
  if (env.WARDEN_TLS_CERT || env.WARDEN_TLS_KEY)
    throw new ConfigError(
      'WARDEN_HTTPS=self-signed and WARDEN_TLS_CERT/WARDEN_TLS_KEY go separately: choose one',
    );
  return value;
}

function metricsConfig(env: NodeJS.ProcessEnv, port: number): MetricsConfig | undefined {
  try {
    return metricsConfigOf(env, port);
  } catch (error) {
    if (error instanceof MetricsConfigError) throw new ConfigError(error.message);
    throw error;
  }
}

/**
 * The longest delay a Node timer keeps (2^31 − 1 ms; a longer one fires after 1 ms) and the largest
 * PostgreSQL `statement_timeout`: a timeout or grace beyond it would quietly become none.
 */
const MAX_TIMER_MS = 2_147_483_647;

/** A whole number ≥ 1 (and ≤ max) in plain digits from the environment, or the default; anything else is a ConfigError. */
function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number, max?: number): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const number = /^[0-9]+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < 1 || number > (max ?? Number.MAX_SAFE_INTEGER))
    throw new ConfigError(
      `${name} must be a whole number of at least 1${max === undefined ? '' : ` and at most ${max}`}: ${value}`,
    );
  return number;
}

/**
 * STYLE 8: secrets we must read back are encrypted with a key from configuration.
 * Production must supply WARDEN_SECRET_KEY; demo mode makes one in the data dir (mode 0600).
 */
function loadMasterKey(value: string | undefined, dataDir: string, demo: boolean): Buffer {
  if (value) {
    const key = Buffer.from(value, 'base64');
    if (key.length !== 32) throw new ConfigError('WARDEN_SECRET_KEY must be 32 bytes, base64-encoded');
    return key;
  }
  if (!demo)
    throw new ConfigError('WARDEN_SECRET_KEY is required outside demo mode (openssl rand -base64 32)');
  const file = join(dataDir, 'secret.key');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    // Several processes may start at once on a new data dir (issue 9 item 7): each writes a
    // whole key to a file of its own and links it into place; linking fails when another got
    // there first, and then every process reads the one key that won.
    const candidate = `${file}.${process.pid}.${randomBytes(6).toString('hex')}`;
    writeFileSync(candidate, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
    try {
      linkSync(candidate, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      unlinkSync(candidate);
    }
  }
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
}

/** A setting that is on when `1` or `true`, off when unset, `0` or `false`; anything else is refused. */
function flag(env: NodeJS.ProcessEnv, name: string): boolean {
  const value = env[name];
  if (value === undefined || value === '' || value === '0' || value === 'false') return false;
  if (value === '1' || value === 'true') return true;
  throw new ConfigError(`${name} is 1 or 0, not: ${value}`);
}
