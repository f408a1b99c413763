import { randomUUID } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { safeEqual } from '../security/constant-time.ts';
import type { SecretBox } from '../security/secret-box.ts';
import type { Db } from '../storage/database.ts';

/** RFC 6238 parameters of SPEC §8: SHA-1, 6 digits, 30-second steps, ±1 step of drift. */
const PERIOD = 30;
const DIGITS = 6;
const WINDOW = 1;

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

export function totpFor(secretBase32: string, label = 'user', issuer = 'Warden'): TOTP {
  return new TOTP({
    issuer,
    label,
    algorithm: 'SHA1',
    digits: DIGITS,
    period: PERIOD,
    secret: Secret.fromBase32(secretBase32),
  });
}

/** The time step (RFC 6238 §4.2 "T") a code matches, or undefined. */
export function matchingStep(secretBase32: string, code: string, now: number): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const delta = totpFor(secretBase32).validate({ token: code, timestamp: now, window: WINDOW });
  if (delta === null) return undefined;
  return Math.floor(now / 1000 / PERIOD) + delta;
}

export async function addTotpMethod(
  db: Db,
  box: SecretBox,
  tenantId: string,
  userId: string,
  secretBase32: string,
  now: number,
  usedStep: number | null = null,
): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto('auth_methods')
    .values({
      tenant_id: tenantId,
      id,
      user_id: userId,
      kind: 'totp',
      display_name: 'Authenticator app',
      secret_sealed: box.seal(secretBase32, `totp:${tenantId}:${id}`),
      last_used_step: usedStep,
      created_at: now,
    })
    .execute();
  return id;
}

/** The user's authenticator apps with their secrets opened (only to compare, never returned outward). */
async function openedTotpMethods(
  db: Db,
  box: SecretBox,
  tenantId: string,
  userId: string,
): Promise<{ id: string; secret: string }[]> {
  const methods = await db
    .selectFrom('auth_methods')
    .select(['id', 'secret_sealed'])
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .where('kind', '=', 'totp')
    .execute();
  return methods.map((m) => ({ id: m.id, secret: box.open(m.secret_sealed, `totp:${tenantId}:${m.id}`) }));
}

/** Whether one of the user's authenticator apps already holds this secret (compared in constant time). */
export async function hasTotpSecret(
  db: Db,
  box: SecretBox,
  tenantId: string,
  userId: string,
  secretBase32: string,
): Promise<boolean> {
  const methods = await openedTotpMethods(db, box, tenantId, userId);
  return methods.some((method) => safeEqual(method.secret, secretBase32));
}

/**
 * Verifies a TOTP code against the user's authenticator apps. RFC 6238 §5.2: a code is accepted
 * once. The last used step is advanced with a conditional UPDATE, so two instances of a
 * deployment racing on the same code cannot both accept it.
 */
export async function verifyTotp(
  db: Db,
  box: SecretBox,
  tenantId: string,
  userId: string,
  code: string,
  now: number,
): Promise<boolean> {
  for (const method of await openedTotpMethods(db, box, tenantId, userId)) {
    const step = matchingStep(method.secret, code, now);
    if (step === undefined) continue;
    const result = await db
      .updateTable('auth_methods')
      .set({ last_used_step: step, last_used_at: now })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', method.id)
      .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', step)]))
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 1) return true;
  }
  return false;
}
