import type { Db } from '../storage/database.ts';

/**
 * Guessing limits (issue 2 item 9), kept in storage so every instance of a deployment shares them.
 * After `threshold` failures in a row the key is locked; each further lock lasts twice as long.
 */
export interface ThrottleRule {
  threshold: number;
  baseLockMs: number;
  maxLockMs: number;
}

export const RULES = {
  /** Password guesses against one account (whether or not it exists). */
  passwordPerAccount: { threshold: 5, baseLockMs: 60_000, maxLockMs: 3_600_000 },
  /** Password guesses from one source address, across accounts and tenants (spraying). */
  passwordPerIp: { threshold: 20, baseLockMs: 300_000, maxLockMs: 6 * 3_600_000 },
  /** Wrong second-factor codes for one account: at most 10 in a row. */
  secondFactor: { threshold: 10, baseLockMs: 300_000, maxLockMs: 6 * 3_600_000 },
} satisfies Record<string, ThrottleRule>;

/** Counters that span every tenant (a source address spraying across tenants) live under this scope. */
export const PLATFORM_SCOPE = 'platform';

/**
 * Each attempt is counted *before* it is checked, by a conditional UPDATE that cannot pass the
 * threshold, so parallel guesses cannot outrun the count: at most `threshold` attempts in a row
 * are ever checked. A success clears the count (or, for a shared counter, gives its slot back).
 */
export class Throttle {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** Counts an attempt; returns 0 when it may be checked, or the end of the lock that refuses it. */
  async begin(scope: string, key: string, rule: ThrottleRule, now: number): Promise<number> {
    const row = () =>
      this.#db.selectFrom('throttles').selectAll().where('tenant_id', '=', scope).where('key', '=', key);
    for (let attempt = 0; attempt < 3; attempt++) {
      // One statement counts the attempt: a new key is inserted at 1; an existing one is raised by
      // 1 only while it is unlocked and under the threshold (the upsert's WHERE), else untouched.
      const counted = await this.#db
        .insertInto('throttles')
        .values({ tenant_id: scope, key, failures: 1, lock_count: 0, locked_until: 0, updated_at: now })
        .onConflict((oc) =>
          oc
            .columns(['tenant_id', 'key'])
            .doUpdateSet((eb) => ({ failures: eb('throttles.failures', '+', 1), updated_at: now }))
            .where('throttles.locked_until', '<=', now)
            .where('throttles.failures', '<', rule.threshold),
        )
        .executeTakeFirst();
      if (Number(counted.numInsertedOrUpdatedRows) === 1) return 0;
      const current = await row().executeTakeFirst();
      if (!current) continue;
      if (current.locked_until > now) return current.locked_until;
      if (current.failures >= rule.threshold) {
        const until = now + Math.min(rule.baseLockMs * 2 ** current.lock_count, rule.maxLockMs);
        const locked = await this.#db
          .updateTable('throttles')
          .set({ failures: 0, lock_count: current.lock_count + 1, locked_until: until, updated_at: now })
          .where('tenant_id', '=', scope)
          .where('key', '=', key)
          .where('locked_until', '<=', now)
          .where('failures', '>=', rule.threshold)
          .executeTakeFirst();
        if (Number(locked.numUpdatedRows) === 1) return until;
      }
    }
    // Still contended after three tries: refuse (fail closed) rather than check unmetered.
    return now + rule.baseLockMs;
  }

  /** A success: the count of attempts in a row starts again (and the lock history with it). */
  async succeed(scope: string, key: string): Promise<void> {
    await this.#db.deleteFrom('throttles').where('tenant_id', '=', scope).where('key', '=', key).execute();
  }

  /** A success on a shared counter (a source address): gives back the slot this attempt took. */
  async release(scope: string, key: string): Promise<void> {
    await this.#db
      .updateTable('throttles')
      .set((eb) => ({ failures: eb('failures', '-', 1) }))
      .where('tenant_id', '=', scope)
      .where('key', '=', key)
      .where('failures', '>', 0)
      .execute();
  }
}

export const throttleKeys = {
  account: (upn: string) => `pwd:acct:${upn.trim().toLowerCase()}`,
  ip: (ip: string) => `pwd:ip:${ip}`,
  secondFactor: (userId: string) => `mfa:${userId}`,
  /** Self-service password reset (issue 15 item 5): codes tried per account and per address. */
  ssprAccount: (upn: string) => `sspr:acct:${upn.trim().toLowerCase()}`,
  ssprIp: (ip: string) => `sspr:ip:${ip}`,
};
