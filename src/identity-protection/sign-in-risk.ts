import { createHash } from 'node:crypto';
import type { Db } from '../storage/database.ts';
import { isBreachedPassword } from './breached-passwords.ts';
import { raiseDetection, type SignInRiskSnapshot, userRiskSnapshot } from './risk-state.ts';

/**
 * The user's risk at a sign-in whose password was right (SPEC §9, issue 15 item 6): a password on
 * the breached list (breached-passwords.ts) is a leaked credential — a real-time
 * `leakedCredentials` detection, high, once per password — then the user's risk is read
 * (userRiskSnapshot: what the policy decides on and the sign-in log records).
 * The password itself is only hashed for the lookup, never kept.
 */
export async function signInRiskOf(
  db: Db,
  user: { tenantId: string; id: string; userPrincipalName: string; passwordHash: string | null },
  password: string,
  at: { ip: string; now: number },
): Promise<SignInRiskSnapshot> {
  if (user.passwordHash && (await isBreachedPassword(db, password))) {
    const passwordVersion = createHash('sha256').update(user.passwordHash).digest('base64url').slice(0, 22);
    await raiseDetection(
      db,
      {
        tenantId: user.tenantId,
        userId: user.id,
        userPrincipalName: user.userPrincipalName,
        riskEventType: 'leakedCredentials',
        riskLevel: 'high',
        timing: 'realtime',
        activity: 'signin',
        ipAddress: at.ip,
        activityAt: at.now,
        additionalInfo: { riskReasons: 'passwordInBreachedList' },
        dedupeKey: `leakedCredentials:breachedList:${user.id}:${passwordVersion}`,
      },
      at.now,
    );
  }
  return userRiskSnapshot(db, user.tenantId, user.id);
}
