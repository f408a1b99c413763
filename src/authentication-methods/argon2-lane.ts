import { availableParallelism } from 'node:os';

/**
 * A ceiling for WARDEN_PASSWORD_HASH_CONCURRENCY: 19 MiB a hash, so 256 at once is about 5 GiB; a
 * larger figure would not be a limit at all.
 */
export const MAX_ARGON2_CONCURRENCY = 256;

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
  // libuv reads UV_THREADPOOL_SIZE as a whole number (atoi): 2.5 threads are 2.
  return Math.max(1, Math.min(cores - 1, Math.trunc(poolThreads) - 1, MAX_ARGON2_CONCURRENCY));
}

/**
 * The queue has no length of its own: what waits here belongs to a request in flight, and the
 * server admits at most WARDEN_MAX_CONCURRENT_REQUESTS of those at once (src/http/load-shedding.ts
 * answers the rest 503 before any work), or to start-up and CLI work, which hashes one at a time.
 */
export class Argon2Lane {
  #limit: number;
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(limit: number) {
    this.#limit = checkedLimit(limit);
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

  /**
   * A new limit (config): waiting work starts as places open up, running work is not stopped, so
   * after a lower limit more may run for a while. The lane is the process's: the last context made
   * sets it (tests make several, with the same figure).
   */
  setLimit(limit: number): void {
    this.#limit = checkedLimit(limit);
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

function checkedLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_ARGON2_CONCURRENCY)
    throw new RangeError(`an argon2id lane runs 1 to ${MAX_ARGON2_CONCURRENCY} at once, not ${limit}`);
  return limit;
}

/** The process's one lane: every argon2id computation of passwords.ts goes through it. */
export const argon2Lane = new Argon2Lane(defaultArgon2Concurrency());
