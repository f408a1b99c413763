import { recordAuditEvent } from '../audit/audit-events.ts';
import { passwordPolicyProblem } from '../authentication-methods/password-policy.ts';
import { hashPassword } from '../authentication-methods/passwords.ts';
import { createTemporaryAccessPass } from '../authentication-methods/temporary-access-pass/passes.ts';
import type { WardenContext } from '../context.ts';
import { getTenant, type Tenant } from '../directory/tenants.ts';
import { getUser, type User } from '../directory/users.ts';
import type { ActivationErrorCode } from '../errors/onboarding-errors.ts';
import { breachedPasswordProblem } from '../identity-protection/breached-passwords.ts';
import { PLATFORM_SCOPE, type ThrottleRule } from '../security/throttle.ts';
import { inTransaction } from '../storage/database.ts';
import {
  type ActivationLink,
  consumeActivationLink,
  linkState,
  readToken,
  reloadLink,
} from './activation-links.ts';

/**
 * Activation link guesses from one source address, counted like password guesses (issue 2 item 9):
 * every attempt is counted before the token is checked, a good token gives its slot back.
 */
export const ACTIVATION_GUESSES: ThrottleRule = {
  threshold: 10,
  baseLockMs: 300_000,
  maxLockMs: 6 * 3_600_000,
};

export const activationThrottleKey = (ip: string) => `act:ip:${ip}`;

export type ActivationContext = Pick<WardenContext, 'db' | 'throttle'>;

export type Opened =
  | { ok: true; link: ActivationLink; user: User; tenant: Tenant }
  | { ok: false; code: ActivationErrorCode; retryAt?: number };

/** The link a token opens, if it may be used now; throttled per source address. */
export async function openActivation(
  ctx: ActivationContext,
  token: string,
  ip: string,
  now: number,
): Promise<Opened> {
  const key = activationThrottleKey(ip);
  const lockedUntil = await ctx.throttle.begin(PLATFORM_SCOPE, key, ACTIVATION_GUESSES, now);
  if (lockedUntil) return { ok: false, code: 'throttled', retryAt: lockedUntil };
  const reading = await readToken(ctx.db, token);
  if (reading.kind !== 'link') return { ok: false, code: 'link_invalid' };
  await ctx.throttle.release(PLATFORM_SCOPE, key);
  const { link } = reading;
  const [user, tenant] = await Promise.all([
    getUser(ctx.db, link.tenant_id, link.user_id),
    getTenant(ctx.db, link.tenant_id),
  ]);
  // Fail closed: a user deleted or disabled since the link was issued cannot be activated.
  if (!user?.accountEnabled || !tenant) return { ok: false, code: 'link_invalid' };
  const state = linkState(link, now);
  if (state !== 'usable') return { ok: false, code: state === 'used' ? 'link_used' : 'link_expired' };
  return { ok: true, link, user, tenant };
}

/**
 * Issue 15 item 2: how long the Temporary Access Pass of an activation lasts (one use). A day, so
 * an administrator who activates in the evening registers the next morning; Entra's bounds are
 * 10 minutes to 30 days.
 */
export const ACTIVATION_TAP_MINUTES = 24 * 60;

export type Activated =
  | { ok: true; temporaryAccessPass: string; passExpiresAt: number }
  | { ok: false; code: ActivationErrorCode; message?: string };

/**
 * Sets the first password: checked by THE password policy, then the link consumed, the password
 * stored and a one-time Temporary Access Pass issued in one transaction (a link used twice at once
 * sets one password, once). The account's first MFA registration then needs that pass, whatever
 * the tenant's setting (issue 15 item 2: `warden init` and onboarding links always use a TAP), so
 * a password that leaks before the first sign-in cannot register an attacker's authenticator.
 */
export async function activate(
  ctx: ActivationContext,
  opened: Extract<Opened, { ok: true }>,
  input: { password: string; confirmPassword: string },
  now: number,
): Promise<Activated> {
  const { link, user } = opened;
  if (input.password !== input.confirmPassword) return { ok: false, code: 'passwords_differ' };
  const problem =
    passwordPolicyProblem(input.password, user) ?? (await breachedPasswordProblem(ctx.db, input.password));
  if (problem) return { ok: false, code: 'password_rejected', message: problem };
  const passwordHash = await hashPassword(input.password);
  const outcome = await inTransaction(ctx.db, async (trx): Promise<Activated> => {
    if (!(await consumeActivationLink(trx, link, now))) {
      const fresh = await reloadLink(trx, link);
      return { ok: false, code: fresh?.used_at != null ? 'link_used' : 'link_expired' };
    }
    const stored = await trx
      .updateTable('users')
      .set({
        password_hash: passwordHash,
        password_change_required: 0,
        first_registration_requires_tap: 1,
        password_changed_at: now,
      })
      .where('tenant_id', '=', user.tenantId)
      .where('id', '=', user.id)
      .where('account_enabled', '=', 1)
      // A link sets the FIRST password only: once an administrator has set one (a temporary
      // password by a reset), a leaked link must not replace it.
      .where('password_hash', 'is', null)
      .executeTakeFirst();
    // The user was deleted, disabled or given a password between opening and here: undo the
    // consume (throw rolls back) and refuse the link.
    if (Number(stored.numUpdatedRows) !== 1) throw new LinkUserGone();
    // The activation's pass is the one the first sign-in uses: one issued before (an administrator's)
    // is replaced, so activation never fails on it and no second pass stays usable.
    const replaced = await trx
      .deleteFrom('temporary_access_passes')
      .where('tenant_id', '=', user.tenantId)
      .where('user_id', '=', user.id)
      .returning('id')
      .execute();
    const { pass, tap } = await createTemporaryAccessPass(trx, {
      tenantId: user.tenantId,
      userId: user.id,
      createdBy: null,
      now,
      lifetimeInMinutes: ACTIVATION_TAP_MINUTES,
      isUsableOnce: true,
    });
    // Who activated and what credential it made, never the pass itself.
    await recordAuditEvent(
      trx,
      [user.tenantId],
      {
        category: 'UserManagement',
        activity: 'Activate account',
        actor: { tenantId: user.tenantId, userId: user.id, appId: null, name: user.userPrincipalName },
        target: { type: 'user', id: user.id, name: user.userPrincipalName },
        details: {
          activationLinkId: link.id,
          passwordSet: true,
          temporaryAccessPassId: tap.id,
          temporaryAccessPassLifetimeInMinutes: tap.lifetimeInMinutes,
          temporaryAccessPassIsUsableOnce: true,
          // The earlier passes this one replaced (an administrator's), so the trail shows them ending.
          replacedTemporaryAccessPassIds: replaced.map((row) => row.id),
        },
      },
      now,
    );
    return {
      ok: true,
      temporaryAccessPass: pass,
      passExpiresAt: tap.startAt + tap.lifetimeInMinutes * 60_000,
    };
  }).catch((error: unknown) => {
    if (error instanceof LinkUserGone) return { ok: false as const, code: 'link_invalid' as const };
    throw error;
  });
  return outcome;
}

class LinkUserGone extends Error {}
