import type { IncomingMessage, ServerResponse } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** Liveness must answer whatever the load (an orchestrator restarts a process that does not). */
const NEVER_SHED = new Set(['/healthz']);

/** How long a request still sending its body counts as work. */
const SLOW_BODY_GRACE_MS = 1_000;

/** How often the event loop's delay is read (and its histogram started afresh). */
const DELAY_WINDOW_MS = 100;

/**
 * Bounded concurrency and graceful draining for the one HTTP server, authority requests included
 * (they bypass Fastify). A request is refused with 503 at once, before any work, rather than
 * queued behind the others when either
 * - as many requests as allowed are in flight (they wait on the database or on password hashing),
 * - or the event loop itself is behind: in the last window a callback waited longer than allowed
 *   to run, so requests not yet read wait in their sockets whatever the count says;
 * so the latency of the requests served stays bounded (issue 9 item 7: p99 reached 6.4 s at twice
 * the sustainable load). When draining (SIGTERM), every response still to be written says
 * `Connection: close` (RFC 9112 §9.6), so keep-alive clients go elsewhere for their next request
 * instead of finding the connection reset.
 */
export class Admission {
  readonly #limit: number;
  readonly #maxDelayMs: number;
  readonly #inFlight = new Map<ServerResponse, { req: IncomingMessage; since: number }>();
  readonly #delay = monitorEventLoopDelay({ resolution: 10 });
  #timer: NodeJS.Timeout | undefined;
  #behindMs = 0;
  #draining = false;

  constructor(options: { maxConcurrent: number; maxEventLoopDelayMs: number }) {
    this.#limit = options.maxConcurrent;
    this.#maxDelayMs = options.maxEventLoopDelayMs;
  }

  /** Starts watching the event loop: once the server listens, so start-up work does not count. */
  watch(): void {
    if (this.#timer) return;
    this.#delay.enable();
    let previousMs = 0;
    this.#timer = setInterval(() => {
      // The worst delay of this window and the one before: which of the callbacks due after a
      // long task runs first (this reading, or the histogram's own sample of that task) is up to
      // the timer queue, so a delay read one window late still counts for the next requests.
      const currentMs = this.#delay.max / 1e6;
      this.#behindMs = Math.max(currentMs, previousMs);
      previousMs = currentMs;
      this.#delay.reset();
    }, DELAY_WINDOW_MS);
    this.#timer.unref();
  }

  /** Whether to serve the request now; a served one counts until its response is done. */
  admit(req: IncomingMessage, res: ServerResponse): boolean {
    if (this.#draining) res.setHeader('Connection', 'close');
    const overloaded = this.#working() >= this.#limit || this.#behindMs > this.#maxDelayMs;
    if (overloaded && !NEVER_SHED.has(pathOf(req.url))) return false;
    this.#inFlight.set(res, { req, since: performance.now() });
    res.once('close', () => this.#inFlight.delete(res));
    return true;
  }

  /**
   * Requests in flight that count against the limit: those whose message has arrived whole (they
   * are doing work), and those still sending their body for less than SLOW_BODY_GRACE_MS. A
   * request that has kept its body back for longer holds a socket, not a slot, so a client that
   * sends headers and then nothing cannot fill the limit and refuse everyone else (its socket ends
   * at the server's requestTimeout).
   */
  #working(): number {
    const now = performance.now();
    let working = 0;
    for (const { req, since } of this.#inFlight.values()) {
      if (req.complete || now - since < SLOW_BODY_GRACE_MS) working += 1;
    }
    return working;
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** Stops watching the event loop (the server closed). */
  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#delay.disable();
  }

  /** From now on every response closes its connection, those of the requests in flight too. */
  drain(): void {
    this.#draining = true;
    for (const res of this.#inFlight.keys()) if (!res.headersSent) res.setHeader('Connection', 'close');
  }
}

function pathOf(url: string | undefined): string {
  const path = url ?? '/';
  const query = path.indexOf('?');
  return query === -1 ? path : path.slice(0, query);
}
