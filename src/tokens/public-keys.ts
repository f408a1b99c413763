import { createLocalJWKSet, errors, type JWK, type JWTVerifyGetKey } from 'jose';
import type { Clock } from '../clock.ts';

/**
 * The issuer's public keys for a resource server (issue 3 item 2): fetched once, cached, and
 * refetched when a token names a `kid` the cache does not know (a key rotation), at most once
 * per `refetchAfterMs` so tokens with made-up kids cannot make us fetch on every request. Only
 * those refetches count against the limit: a routine fetch just before a rotation must not turn
 * away the first tokens the new key signs.
 */
export class PublicKeyCache {
  readonly #fetch: () => Promise<JWK[]>;
  readonly #clock: Clock;
  readonly #refetchAfterMs: number;
  readonly #maxAgeMs: number;
  #keySet: ReturnType<typeof createLocalJWKSet> | undefined;
  #fetchedAt = Number.NEGATIVE_INFINITY;
  #unknownKidFetchAt = Number.NEGATIVE_INFINITY;
  #inflight: Promise<void> | undefined;

  constructor(
    fetch: () => Promise<JWK[]>,
    clock: Clock,
    options: { refetchAfterMs?: number; maxAgeMs?: number } = {},
  ) {
    this.#fetch = fetch;
    this.#clock = clock;
    this.#refetchAfterMs = options.refetchAfterMs ?? 10_000;
    this.#maxAgeMs = options.maxAgeMs ?? 10 * 60_000;
  }

  /** For jose's `jwtVerify`. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    const age = this.#clock.now() - this.#fetchedAt;
    if (!this.#keySet || age >= this.#maxAgeMs) await this.#refresh();
    const tried = this.#keySet!;
    try {
      return await tried(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      if (this.#inflight) {
        await this.#inflight; // a refetch under way (another request's unknown kid) may bring the key
      } else if (this.#keySet === tried) {
        const now = this.#clock.now();
        if (now - this.#unknownKidFetchAt < this.#refetchAfterMs) throw error;
        this.#unknownKidFetchAt = now;
        await this.#refresh();
      }
      return this.#keySet!(header, token);
    }
  };

  #refresh(): Promise<void> {
    this.#inflight ??= this.#fetch()
      .then((keys) => {
        this.#keySet = createLocalJWKSet({ keys });
        this.#fetchedAt = this.#clock.now();
      })
      .finally(() => {
        this.#inflight = undefined;
      });
    return this.#inflight;
  }
}
