import type { Logger } from 'pino';
import type { RecoveryCodes } from './authentication-methods/recovery-codes.ts';
import type { Clock } from './clock.ts';
import type { Config } from './config.ts';
import type { Metrics } from './metrics/metrics.ts';
import type { RequestTracing } from './metrics/tracing.ts';
import type { RequestLog } from './reports/request-log.ts';
import type { SecretBox } from './security/secret-box.ts';
import type { Throttle } from './security/throttle.ts';
import type { RevocationList } from './sessions/revocation-list.ts';
import type { FlowStore } from './sign-in/flow.ts';
import type { ServicePrincipalSignInWriter } from './sign-in-logs/service-principal-sign-in-writer.ts';
import type { Db } from './storage/database.ts';
import type { Authorities } from './tokens/authorities.ts';
import type { PublicKeyCache } from './tokens/public-keys.ts';

/** What the parts of a running Warden share. */
export interface WardenContext {
  config: Config;
  db: Db;
  dbKind: 'sqlite' | 'postgres';
  log: Logger;
  clock: Clock;
  /** Seals secrets at rest: TOTP seeds, client secrets. */
  secrets: SecretBox;
  /** Seals signing keys (its own derived key). */
  keyBox: SecretBox;
  recoveryCodes: RecoveryCodes;
  throttle: Throttle;
  flows: FlowStore;
  authorities: Authorities;
  /** The issuer's public keys, as resource servers (Partner API) verify tokens with them. */
  publicKeys: PublicKeyCache;
  /** Dashboard operations and API requests, written in batches (SPEC §11). */
  requestLog: RequestLog;
  /** Service-principal sign-ins (client credentials), buffered and written in batches off the token path. */
  servicePrincipalSignIns: ServicePrincipalSignInWriter;
  /** Access tokens that no longer count, as the API gates consult them (shared through the database). */
  revocations: RevocationList;
  /** Issue 16 item 2: the Prometheus series, when WARDEN_METRICS_PORT enables them (else nothing is recorded). */
  metrics: Metrics | undefined;
  /** Issue 16 item 2: a span per request, when an OTLP endpoint is configured. */
  tracing: RequestTracing | undefined;
}
