import { createHmac, randomInt, randomUUID } from 'node:crypto';
import { type Db, inTransaction } from '../storage/database.ts';

export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'; // no look-alikes (0/o, 1/l/i)

/**
 * Recovery codes carry ~50 bits of randomness each, so a keyed SHA-256 (HMAC) is enough to
 * store them: a slow password hash would add nothing but latency. Only the hashes are stored.
 */
export class RecoveryCodes {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    this.#key = key;
  }

  #hash(tenantId: string, userId: string, code: string): string {
    const normalized = code.toLowerCase().replace(/[^a-z0-9]/g, '');
    return createHmac('sha256', this.#key).update(`${tenantId}:${userId}:${normalized}`).digest('base64url');
  }

  /** Replaces the user's codes with 10 new ones (in one transaction) and returns them, shown once. */
  async regenerate(db: Db, tenantId: string, userId: string, now: number): Promise<string[]> {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => {
      const chars = Array.from({ length: 10 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
      return `${chars.slice(0, 5)}-${chars.slice(5)}`;
    });
    const replace = async (trx: Db) => {
      await trx
        .deleteFrom('recovery_codes')
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', userId)
        .execute();
      await trx
        .insertInto('recovery_codes')
        .values(
          codes.map((code) => ({
            tenant_id: tenantId,
            id: randomUUID(),
            user_id: userId,
            code_hash: this.#hash(tenantId, userId, code),
            used_at: null,
            created_at: now,
          })),
        )
        .execute();
    };
    // Joins the caller's transaction (registration adds a method and its codes at once) or opens one.
    await inTransaction(db, replace);
    return codes;
  }

  /** Redeems a code: single use, enforced by a conditional UPDATE (concurrent redemptions: one wins). */
  async redeem(db: Db, tenantId: string, userId: string, code: string, now: number): Promise<boolean> {
    const result = await db
      .updateTable('recovery_codes')
      .set({ used_at: now })
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('code_hash', '=', this.#hash(tenantId, userId, code))
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async remaining(db: Db, tenantId: string, userId: string): Promise<number> {
    const row = await db
      .selectFrom('recovery_codes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
