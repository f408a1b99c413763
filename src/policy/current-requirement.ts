import { hasMfaMethod, methodsOf } from '../authentication-methods/methods.ts';
import { getTenant } from '../directory/tenants.ts';
import { getUser } from '../directory/users.ts';
import type { Db } from '../storage/database.ts';
import { decideSignInRequirement, factsFor } from './sign-in-requirement.ts';

/**
 * Whether policy demands MFA of this user *now*: asked of an existing session or refresh-token
 * chain that lacks `mfa`, so a single-factor sign-in does not outlive a policy that changed
 * (MFA switched on, an admin role granted, the 14-day registration window ended).
 * The answer is the one sign-in requirement function's; unknown tenant or user fails closed.
 */
export async function mfaDemandedNow(
  db: Db,
  tenantId: string,
  userId: string,
  now: number,
): Promise<boolean> {
  const [tenant, user] = await Promise.all([getTenant(db, tenantId), getUser(db, tenantId, userId)]);
  if (!tenant || !user) return true;
  const decision = decideSignInRequirement(
    factsFor(tenant, user, {
      hasMfaMethod: hasMfaMethod(await methodsOf(db, tenantId, userId)),
      clientApp: 'browser',
      stepUp: undefined,
      risky: false,
      now,
    }),
  );
  return decision.outcome === 'block' || decision.factors === 'multi' || decision.registration === 'required';
}
