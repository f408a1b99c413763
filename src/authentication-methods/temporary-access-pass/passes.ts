import { createHash, randomInt, randomUUID } from 'node:crypto';
import { DirectoryError } from '../../directory/directory-error.ts';
import { safeEqual } from '../../security/constant-time.ts';
import { type Db, inTransaction, isUniqueViolation } from '../../storage/database.ts';
import type { TemporaryAccessPassTable } from '../../storage/schema.ts';

/*
 * Temporary Access Pass (issue 15 item 2; reference entra-identity §3.1, §3.2): a time-limited
 * pass an administrator issues so a user can sign in without the password and register their
 * first method. One per user; one-time or multi-use; lifetime 10 minutes to 30 days (Entra's
 * bounds; default 1 hour); optionally usable only from `startDateTime`.
 *
 * Storage: the pass is only ever compared, never read back, so only a hash is kept. It is 16
 * characters drawn by a CSPRNG from a 31-letter alphabet (~79 bits), unlike a password a person
 * chose: nobody can enumerate 2^79 candidates against a leaked hash, so a slow password hash
 * (argon2, as passwords.ts uses) would add only latency and a CPU cost an attacker could make
 * the sign-in page pay. SHA-256 over the tenant, the user and the pass binds each hash to its
 * account; the stored and computed hashes are compared in constant time.
 */

export const TAP_LIFETIME_MINUTES = { minimum: 10, maximum: 43_200, default: 60 } as const;
export const TAP_LENGTH = 16;
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'; // no look-alikes: the pass is read out and typed once

/** Graph `methodUsabilityReason` of `temporaryAccessPassAuthenticationMethod`. */
export type TapUsabilityReason = 'EnabledByPolicy' | 'Expired' | 'NotYetValid' | 'OneTimeUsed';

export interface TemporaryAccessPass {
  id: string;
  tenantId: string;
  userId: string;
  createdAt: number;
  startAt: number;
  lifetimeInMinutes: number;
  isUsableOnce: boolean;
  usedAt: number | null;
}

export interface TapRequest {
  lifetimeInMinutes?: number | undefined;
  isUsableOnce?: boolean | undefined;
  /** Epoch ms; the creation time unless given. */
  startAt?: number | undefined;
}

function newPass(): string {
  return Array.from({ length: TAP_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
}

function hashOf(tenantId: string, userId: string, pass: string): string {
  const normalized = pass.trim().toLowerCase();
  return createHash('sha256').update(`warden-tap:v1:${tenantId}:${userId}:${normalized}`).digest('base64url');
}

function fromRow(row: TemporaryAccessPassTable): TemporaryAccessPass {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    userId: row.user_id,
    createdAt: Number(row.created_at),
    startAt: Number(row.start_at),
    lifetimeInMinutes: Number(row.lifetime_minutes),
    isUsableOnce: Number(row.is_usable_once) === 1,
    usedAt: row.used_at === null ? null : Number(row.used_at),
  };
}

/** When the pass stops working (start + lifetime). */
export function expiresAt(tap: TemporaryAccessPass): number {
  return tap.startAt + tap.lifetimeInMinutes * 60_000;
}

/** Graph `isUsable` and `methodUsabilityReason` at `now`. */
export function usabilityOf(
  tap: TemporaryAccessPass,
  now: number,
): { isUsable: boolean; reason: TapUsabilityReason } {
  if (tap.isUsableOnce && tap.usedAt !== null) return { isUsable: false, reason: 'OneTimeUsed' };
  if (now < tap.startAt) return { isUsable: false, reason: 'NotYetValid' };
  if (now >= expiresAt(tap)) return { isUsable: false, reason: 'Expired' };
  return { isUsable: true, reason: 'EnabledByPolicy' };
}

/** The problem with a requested lifetime or start, or undefined (Entra's bounds, §3.2). */
export function tapRequestProblem(request: TapRequest, now: number): string | undefined {
  const lifetime = request.lifetimeInMinutes ?? TAP_LIFETIME_MINUTES.default;
  if (
    !Number.isInteger(lifetime) ||
    lifetime < TAP_LIFETIME_MINUTES.minimum ||
    lifetime > TAP_LIFETIME_MINUTES.maximum
  )
    return `lifetimeInMinutes must be a whole number from ${TAP_LIFETIME_MINUTES.minimum} to ${TAP_LIFETIME_MINUTES.maximum}.`;
  if (request.startAt !== undefined) {
    if (!Number.isFinite(request.startAt)) return 'startDateTime is not a valid date and time.';
    // Entra refuses a start in the past (beyond clock skew) and more than the maximum lifetime ahead.
    if (request.startAt < now - 5 * 60_000) return 'startDateTime cannot be in the past.';
    if (request.startAt > now + TAP_LIFETIME_MINUTES.maximum * 60_000)
      return 'startDateTime cannot be more than 30 days ahead.';
  }
  return undefined;
}

/**
 * Issues the user's pass; returns it (shown once) with its record. One pass per user (the primary
 * key settles two administrators at once); a pass that can no longer be used (expired or spent) is
 * replaced, a usable one must be deleted first.
 */
export async function createTemporaryAccessPass(
  db: Db,
  input: { tenantId: string; userId: string; createdBy: string | null; now: number } & TapRequest,
): Promise<{ pass: string; tap: TemporaryAccessPass }> {
  const problem = tapRequestProblem(input, input.now);
  if (problem) throw new DirectoryError('invalid', problem);
  const pass = newPass();
  const row: TemporaryAccessPassTable = {
    tenant_id: input.tenantId,
    user_id: input.userId,
    id: randomUUID(),
    pass_hash: hashOf(input.tenantId, input.userId, pass),
    created_at: input.now,
    start_at: input.startAt ?? input.now,
    lifetime_minutes: input.lifetimeInMinutes ?? TAP_LIFETIME_MINUTES.default,
    is_usable_once: input.isUsableOnce ? 1 : 0,
    used_at: null,
    created_by: input.createdBy,
  };
  try {
    await inTransaction(db, async (trx) => {
      const existing = await findTemporaryAccessPass(trx, input.tenantId, input.userId);
      if (existing && !usabilityOf(existing, input.now).isUsable) {
        await trx
          .deleteFrom('temporary_access_passes')
          .where('tenant_id', '=', input.tenantId)
          .where('user_id', '=', input.userId)
          .where('id', '=', existing.id)
          .execute();
      }
      await trx.insertInto('temporary_access_passes').values(row).execute();
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new DirectoryError(
        'conflict',
        'The user already has a Temporary Access Pass. Delete it before creating another.',
      );
    }
    throw error;
  }
  return { pass, tap: fromRow(row) };
}

/** The user's pass, usable or not (Graph lists it until it is deleted). */
export async function findTemporaryAccessPass(
  db: Db,
  tenantId: string,
  userId: string,
): Promise<TemporaryAccessPass | undefined> {
  const row = await db
    .selectFrom('temporary_access_passes')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row ? fromRow(row) : undefined;
}

/** Deletes the user's pass by id; false when there was none. */
export async function deleteTemporaryAccessPass(
  db: Db,
  tenantId: string,
  userId: string,
  id: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom('temporary_access_passes')
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/**
 * Whether `pass` is the user's usable pass at `now`; a one-time pass is spent by the same check,
 * through one conditional UPDATE (two sign-ins racing with it: exactly one wins).
 */
export async function redeemTemporaryAccessPass(
  db: Db,
  tenantId: string,
  userId: string,
  pass: string,
  now: number,
): Promise<boolean> {
  const row = await db
    .selectFrom('temporary_access_passes')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (!row || !safeEqual(row.pass_hash, hashOf(tenantId, userId, pass))) return false;
  const tap = fromRow(row);
  if (!usabilityOf(tap, now).isUsable) return false;
  if (!tap.isUsableOnce) return true;
  const spent = await db
    .updateTable('temporary_access_passes')
    .set({ used_at: now })
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .where('id', '=', tap.id)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(spent.numUpdatedRows) === 1;
}
