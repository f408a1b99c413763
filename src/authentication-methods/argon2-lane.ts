import { availableParallelism } from 'node:os';

/**
 * How many argon2id hashes and verifications run at once (issue 16 item 5).
 *
 * @node-rs/argon2 runs each one on libuv's thread pool (4 threads unless UV_THREADPOOL_SIZE says
 * otherwise), which is also where Node signs tokens (WebCrypto) and reads files. A sign-in storm
 * with four hashes in flight on a two-core machine took both cores and every pool thread: the event
 * loop, which runs all of a sign-in's other work, waited for a core, and a token's signature waited
 * behind ~10 ms hashes. Keeping one core and one pool thread free of argon2id served more sign-ins
 * per second (docs/benchmarks.md). Beyond the limit, work waits here, first come first served.
 */
export function defaultArgon2Concurrency(
  cores = availableParallelism(),
  poolThreads = Number(process.env.UV_THREADPOOL_SIZE) || 4,
): number {
  return Math.max(1, Math.min(cores - 1, poolThreads - 1));
}

export class Argon2Lane {
  #limit: number;
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(limit: number) {
    this.#limit = Math.max(1, Math.floor(limit));
  }

  get limit(): number {
    return this.#limit;
  }

  /** Computations running now, and waiting for a place (the metrics read these when scraped). */
  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  /** A new limit (config): waiting work starts as places open up, running work is not stopped. */
  setLimit(limit: number): void {
    this.#limit = Math.max(1, Math.floor(limit));
    while (this.#running < this.#limit && this.#waiting.length > 0) {
      this.#running++;
      this.#waiting.shift()?.();
    }
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#running < this.#limit) this.#running++;
    // The place is handed over by the computation that ends (release), so #running stays counted.
    else await new Promise<void>((start) => this.#waiting.push(start));
    try {
      return await work();
    } finally {
      this.#release();
    }
  }

  #release(): void {
    const next = this.#running <= this.#limit ? this.#waiting.shift() : undefined;
    if (next) next();
    else this.#running--;
  }
}

/** The process's one lane: every argon2id computation of passwords.ts goes through it. */
export const argon2Lane = new Argon2Lane(defaultArgon2Concurrency());
