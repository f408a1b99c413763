import type { WardenContext } from '../context.ts';
import type { Tenant } from '../directory/tenants.ts';
import { lockUserRow, type User } from '../directory/users.ts';
import { inTransaction } from '../storage/database.ts';
import { isMfaMandated, MethodChangeError, requireFreshMfa, type SessionProof } from './manage.ts';
import { hasMfaMethod, hasPhishingResistantMethod, methodsOf } from './methods.ts';

/**
 * Removes one of the user's methods, an authenticator app or a passkey (the successor of
 * removeAuthenticatorApp), for a session with fresh MFA, in one transaction under the user's row
 * lock (two removals at once cannot both see the other method left):
 * - the last method is refused while policy mandates MFA for the user (`LastMethodMandated`);
 * - the last phishing-resistant method (a passkey, reference §2.2) is removed only when the
 *   caller says the user confirmed it (`LastPhishingResistantMethod` otherwise).
 * Returns what was removed, for the audit event.
 */
export async function removeMethod(
  ctx: WardenContext,
  tenant: Tenant,
  user: User,
  proof: SessionProof,
  methodId: string,
  options: { confirmedLastPhishingResistant: boolean },
): Promise<{ kind: 'totp' | 'passkey'; displayName: string }> {
  const now = ctx.clock.now();
  requireFreshMfa(proof, now);
  return inTransaction(ctx.db, async (trx) => {
    await lockUserRow(trx, ctx.dbKind, tenant.id, user.id);
    const methods = await methodsOf(trx, tenant.id, user.id);
    const totp = methods.totp.find((m) => m.id === methodId);
    const passkey = methods.passkeys.find((m) => m.id === methodId);
    const found = totp ?? passkey;
    if (!found) throw new MethodChangeError('MethodNotFound', 'No such method.');
    const remaining = {
      ...methods,
      totp: methods.totp.filter((m) => m.id !== methodId),
      passkeys: methods.passkeys.filter((m) => m.id !== methodId),
    };
    if (!hasMfaMethod(remaining) && isMfaMandated(tenant, user, now))
      throw new MethodChangeError(
        'LastMethodMandated',
        'This is your last method and your organisation requires MFA.',
      );
    if (passkey && !hasPhishingResistantMethod(remaining) && !options.confirmedLastPhishingResistant)
      throw new MethodChangeError(
        'LastPhishingResistantMethod',
        'This is your last passkey: without it you can no longer sign in in a way that resists phishing.',
      );
    await trx
      .deleteFrom(totp ? 'auth_methods' : 'passkey_credentials')
      .where('tenant_id', '=', tenant.id)
      .where('user_id', '=', user.id)
      .where('id', '=', methodId)
      .execute();
    return { kind: totp ? 'totp' : 'passkey', displayName: found.displayName };
  });
}
