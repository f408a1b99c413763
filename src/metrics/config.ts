/**
 * Issue 16 item 2: where `/metrics` is served, if anywhere. Off unless WARDEN_METRICS_PORT names
 * a port: then on a listener of its own, never on the public port (behind a load balancer that
 * port is the internet), bound to 127.0.0.1 unless WARDEN_METRICS_HOST says otherwise. A listener
 * any other host can reach must be given WARDEN_METRICS_TOKEN, a bearer token the scraper sends
 * (fail closed: an address beyond the machine without a token is a configuration error).
 */
export interface MetricsConfig {
  port: number;
  host: string;
  /** The bearer token a scrape must present (Prometheus `authorization: { credentials: … }`). */
  token: string | undefined;
}

export class MetricsConfigError extends Error {}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
/** 32 characters: `openssl rand -base64 32` gives 44; shorter ones are guessable. */
const MIN_TOKEN_LENGTH = 32;

export function metricsConfigOf(env: NodeJS.ProcessEnv, publicPort: number): MetricsConfig | undefined {
  const value = env.WARDEN_METRICS_PORT;
  const token = env.WARDEN_METRICS_TOKEN || undefined;
  if (value === undefined || value === '') {
    if (token || env.WARDEN_METRICS_HOST)
      throw new MetricsConfigError('WARDEN_METRICS_TOKEN and WARDEN_METRICS_HOST need WARDEN_METRICS_PORT');
    return undefined;
  }
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new MetricsConfigError(`WARDEN_METRICS_PORT is not a port: ${value}`);
  if (port === publicPort)
    throw new MetricsConfigError(
      'WARDEN_METRICS_PORT must differ from PORT: /metrics is never on the public port',
    );
  const host = env.WARDEN_METRICS_HOST || '127.0.0.1';
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH)
    throw new MetricsConfigError(`WARDEN_METRICS_TOKEN must be at least ${MIN_TOKEN_LENGTH} characters`);
  if (!LOOPBACK.has(host) && token === undefined)
    throw new MetricsConfigError(
      `WARDEN_METRICS_HOST=${host} reaches beyond this machine: set WARDEN_METRICS_TOKEN (openssl rand -base64 32) or bind to 127.0.0.1`,
    );
  return { port, host, token };
}
