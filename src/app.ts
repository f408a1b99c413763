import pino, { type Logger } from 'pino';
import { argon2Lane } from './authentication-methods/argon2-lane.ts';
import { preparePasswordDecoy } from './authentication-methods/passwords.ts';
import { RecoveryCodes } from './authentication-methods/recovery-codes.ts';
import { type Clock, systemClock } from './clock.ts';
import type { Config } from './config.ts';
import type { WardenContext } from './context.ts';
import { Metrics } from './metrics/metrics.ts';
import { startTracing } from './metrics/tracing.ts';
import { RequestLog } from './reports/request-log.ts';
import { deriveKey, SecretBox } from './security/secret-box.ts';
import { Throttle } from './security/throttle.ts';
import { RevocationList } from './sessions/revocation-list.ts';
import { FlowStore } from './sign-in/flow.ts';
import { ServicePrincipalSignInWriter } from './sign-in-logs/service-principal-sign-in-writer.ts';
import { openDatabase } from './storage/database.ts';
import { Authorities } from './tokens/authorities.ts';
import { PublicKeyCache } from './tokens/public-keys.ts';
import { ensureSigningKey, publicSigningKeys } from './tokens/signing-keys.ts';

/** Opens storage, makes sure a signing key exists, and assembles the shared context. */
export async function createContext(
  config: Config,
  options: { clock?: Clock; log?: Logger; revocationRefreshMs?: number } = {},
): Promise<WardenContext> {
  const log =
    options.log ??
    pino({
      level: config.logLevel,
      // Never log secrets (STYLE 8): form bodies and auth headers are not logged; redact if they ever are.
      redact: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.client_secret', '*.code'],
    });
  // Made first, so the database times its statements into it from the first one.
  const metrics = config.metrics ? new Metrics() : undefined;
  const { db, kind, poolCounts } = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    onIdleError: (err) => log.warn({ err }, 'an idle database connection failed; it will be replaced'),
    connectTimeoutMs: config.dbConnectTimeoutMs,
    statementTimeoutMs: config.dbStatementTimeoutMs,
    ...(metrics ? { onQuery: (text: string, s: number, ok: boolean) => metrics.query(text, s, ok) } : {}),
  });
  argon2Lane.setLimit(config.passwordHashConcurrency);
  await preparePasswordDecoy();
  const keyBox = new SecretBox(config.masterKey, 'signing-keys');
  await ensureSigningKey(db, keyBox);
  const secrets = new SecretBox(config.masterKey, 'secrets');
  const clock = options.clock ?? systemClock;
  const servicePrincipalSignIns = new ServicePrincipalSignInWriter(db, log, {
    ...(metrics ? { onRecord: (code: number) => metrics.servicePrincipalSignIn(code) } : {}),
  });
  const authorities = new Authorities({
    db,
    keyBox,
    secrets,
    masterKey: config.masterKey,
    baseUrl: config.baseUrl,
    log,
    clock,
    servicePrincipalSignIns,
    cacheSize: config.authorityCacheSize,
    keyPublishAheadMs: config.keyPublishAheadMs,
    trustProxy: config.trustedProxies.length > 0,
    metrics,
  });
  await authorities.start();
  const requestLog = new RequestLog(db, log, {
    ...(metrics
      ? { onFlush: (s: number, rows: number, ok: boolean) => metrics.requestLogFlush(s, rows, ok) }
      : {}),
  });
  metrics?.watch({
    database: kind,
    pool: poolCounts,
    requestLogWaiting: () => requestLog.waiting,
    servicePrincipalSignInsBuffered: () => servicePrincipalSignIns.buffered,
    passwordHashes: () => ({ running: argon2Lane.running, waiting: argon2Lane.waiting }),
  });
  return {
    config,
    db,
    dbKind: kind,
    log,
    clock,
    secrets,
    keyBox,
    recoveryCodes: new RecoveryCodes(deriveKey(config.masterKey, 'recovery-codes')),
    throttle: new Throttle(db),
    flows: new FlowStore(db),
    authorities,
    publicKeys: new PublicKeyCache(() => publicSigningKeys(db, keyBox), clock),
    requestLog,
    servicePrincipalSignIns,
    revocations: new RevocationList(db, clock, { refreshMs: options.revocationRefreshMs }),
    metrics,
    // The OpenTelemetry SDK is loaded only here, only when configured.
    tracing: config.tracing ? await startTracing(config.tracing) : undefined,
  };
}
