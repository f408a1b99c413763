import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MetricsConfig } from './config.ts';
import type { Metrics } from './metrics.ts';

/**
 * The metrics listener (docs/metrics.md): `GET /metrics` in Prometheus' text format and nothing
 * else, on its own port. With a token, a scrape without `Authorization: Bearer <token>` is a 401;
 * the token is compared in constant time (STYLE 8), as digests of equal length.
 */
export class MetricsListener {
  readonly #server: Server;
  readonly #config: MetricsConfig;

  constructor(metrics: Metrics, config: MetricsConfig) {
    this.#config = config;
    const expected = config.token === undefined ? undefined : digest(config.token);
    this.#server = createServer((req, res) => {
      void answer(metrics, expected, req, res);
    });
    // A scraper keeps its connection; shutdown must not wait for it.
    this.#server.keepAliveTimeout = 5_000;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#config.port, this.#config.host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    if (!this.#server.listening) return;
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** A Host header naming this machine by a loopback name (any port). */
const LOOPBACK_HOST = /^(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?$/i;

function authorised(
  expected: Buffer | undefined,
  header: string | undefined,
  host: string | undefined,
): boolean {
  // Without a token the listener is loopback-only (config.ts); a page in a browser on this machine
  // could still reach it through DNS rebinding (a name of the attacker's that resolves to
  // 127.0.0.1), so a Host that is not a loopback name is refused too.
  if (expected === undefined) return LOOPBACK_HOST.test(host ?? '');
  const match = /^Bearer ([^\s]+)$/i.exec(header ?? '');
  // Compared whatever was sent, so the time says nothing about the token.
  return timingSafeEqual(digest(match?.[1] ?? ''), expected) && match !== null;
}

async function answer(
  metrics: Metrics,
  expected: Buffer | undefined,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (path !== '/metrics') {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found\n');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end();
    return;
  }
  if (!authorised(expected, req.headers.authorization, req.headers.host)) {
    res
      .writeHead(401, { 'WWW-Authenticate': 'Bearer realm="Warden metrics"', 'Content-Type': 'text/plain' })
      .end('Unauthorized\n');
    return;
  }
  try {
    const body = await metrics.registry.metrics();
    res.writeHead(200, { 'Content-Type': metrics.registry.contentType, 'Cache-Control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch {
    res
      .writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' })
      .end('Metrics could not be collected\n');
  }
}
