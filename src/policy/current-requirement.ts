import { hasMfaMethod, methodsOf } from '../authentication-methods/methods.ts';
import { getTenant } from '../directory/tenants.ts';
import { getUser } from '../directory/users.ts';
import { activeUserRisk } from '../identity-protection/risk-state.ts';
import type { Db } from '../storage/database.ts';
import { factsFor, riskFacts, singleFactorProofRefused } from './sign-in-requirement.ts';

/**
 * Whether policy demands MFA of this user *now*, asked of an existing session or refresh-token
 * chain that lacks `mfa` (singleFactorProofRefused), with the facts read fresh from the directory.
 * An unknown tenant or user fails closed.
 */
export async function mfaDemandedNow(
  db: Db,
  tenantId: string,
  userId: string,
  now: number,
): Promise<boolean> {
  const [tenant, user] = await Promise.all([getTenant(db, tenantId), getUser(db, tenantId, userId)]);
  if (!tenant || !user) return true;
  return singleFactorProofRefused(
    factsFor(tenant, user, {
      hasMfaMethod: hasMfaMethod(await methodsOf(db, tenantId, userId)),
      clientApp: 'browser',
      stepUp: undefined,
      // SPEC §9: a user who became at risk keeps no single-factor session (high: blocked).
      ...riskFacts(await activeUserRisk(db, tenantId, userId)),
      now,
    }),
  );
}
