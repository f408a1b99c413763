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
  /** Password guesses from one source address, across accounts (spraying). */
  passwordPerIp: { threshold: 20, baseLockMs: 300_000, maxLockMs: 6 * 3_600_000 },
  /** Wrong second-factor codes for one account: at most 10 in a row. */
  secondFactor: { threshold: 10, baseLockMs: 300_000, maxLockMs: 6 * 3_600_000 },
} satisfies Record<string, ThrottleRule>;

export class Throttle {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** The end of the current lock, or 0 when the key may try. */
  async lockedUntil(tenantId: string, key: string, now: number): Promise<number> {
    const row = await this.#db
      .selectFrom('throttles')
      .select('locked_until')
      .where('tenant_id', '=', tenantId)
      .where('key', '=', key)
      .executeTakeFirst();
    return row && row.locked_until > now ? row.locked_until : 0;
  }

  /** Counts a failure; returns the end of the lock it caused, or 0. */
  async fail(tenantId: string, key: string, rule: ThrottleRule, now: number): Promise<number> {
    await this.#db
      .insertInto('throttles')
      .values({ tenant_id: tenantId, key, failures: 1, lock_count: 0, locked_until: 0, updated_at: now })
      .onConflict((oc) =>
        oc.columns(['tenant_id', 'key']).doUpdateSet((eb) => ({
          failures: eb('throttles.failures', '+', 1),
          updated_at: now,
        })),
      )
      .execute();
    const row = await this.#db
      .selectFrom('throttles')
      .select(['failures', 'lock_count'])
      .where('tenant_id', '=', tenantId)
      .where('key', '=', key)
      .executeTakeFirstOrThrow();
    if (row.failures < rule.threshold) return 0;
    const lockedUntil = now + Math.min(rule.baseLockMs * 2 ** row.lock_count, rule.maxLockMs);
    await this.#db
      .updateTable('throttles')
      .set({ failures: 0, lock_count: row.lock_count + 1, locked_until: lockedUntil, updated_at: now })
      .where('tenant_id', '=', tenantId)
      .where('key', '=', key)
      .execute();
    return lockedUntil;
  }

  /** A success clears the count of failures in a row (the lock history decays with it). */
  async succeed(tenantId: string, key: string): Promise<void> {
    await this.#db.deleteFrom('throttles').where('tenant_id', '=', tenantId).where('key', '=', key).execute();
  }
}

export const throttleKeys = {
  account: (upn: string) => `pwd:acct:${upn.trim().toLowerCase()}`,
  ip: (ip: string) => `pwd:ip:${ip}`,
  secondFactor: (userId: string) => `mfa:${userId}`,
};
