import type { IncomingMessage, ServerResponse } from 'node:http';

/** Liveness must answer whatever the load (an orchestrator restarts a process that does not). */
const NEVER_SHED = new Set(['/healthz']);

/**
 * Bounded concurrency and graceful draining for the one HTTP server, authority requests included
 * (they bypass Fastify). Over the limit a request is answered 503 at once instead of queueing
 * behind the others, so the latency of the requests served stays bounded (issue 9 item 7: p99
 * reached 6.4 s at twice the sustainable load). When draining (SIGTERM), every response still to
 * be written says `Connection: close` (RFC 9112 §9.6), so keep-alive clients go elsewhere for
 * their next request instead of finding the connection reset.
 */
export class Admission {
  readonly #limit: number;
  readonly #inFlight = new Set<ServerResponse>();
  #draining = false;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Whether to serve the request now; a served one counts until its response is done. */
  admit(req: IncomingMessage, res: ServerResponse): boolean {
    if (this.#draining) res.setHeader('Connection', 'close');
    if (this.#inFlight.size >= this.#limit && !NEVER_SHED.has(pathOf(req.url))) return false;
    this.#inFlight.add(res);
    res.once('close', () => this.#inFlight.delete(res));
    return true;
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** From now on every response closes its connection, those of the requests in flight too. */
  drain(): void {
    this.#draining = true;
    for (const res of this.#inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
  }
}

function pathOf(url: string | undefined): string {
  const path = url ?? '/';
  const query = path.indexOf('?');
  return query === -1 ? path : path.slice(0, query);
}
