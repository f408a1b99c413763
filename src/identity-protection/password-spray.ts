import { sql } from 'kysely';
import type { Db } from '../storage/database.ts';
import { raiseDetection } from './risk-state.ts';

/**
 * Password-spray detection over the sign-in log (SPEC §9, issue 15 item 6, reference entra-identity
 * §6.1 `passwordSpray`): one source address failing the password of many accounts of a tenant with
 * the same error (50126, wrong user name or password) within a window. As in Entra, a detection
 * fires only for an account whose password the spray got RIGHT (a sign-in from that address in the
 * window that passed the password step): the others were not compromised. Its level is medium, so
 * under security defaults the user is asked for MFA at the next sign-in (the policy function's
 * risky sign-in) rather than locked out.
 *
 * Only failures against accounts that exist count towards the spray (made-up names from a shared
 * address say nothing of anyone's password, and would let anyone mark that address's users), and a
 * sign-in that went on to prove MFA (a success whose requirement was multi-factor; all the rows of
 * that sign-in share its correlation id) is the account's owner, not the spray.
 *
 * Runs on Warden's clock over the window ending `now`; each detection is keyed by the sign-in that
 * proved the password, so overlapping runs and several instances raise it once.
 */
export const SPRAY_WINDOW_MS = 60 * 60 * 1000;
export const SPRAY_MIN_ACCOUNTS = 10;
const WRONG_PASSWORD = 50126;
// Rows that never got to check a password (locked, or not a password sign-in at all).
const PASSWORD_NOT_CHECKED = [50126, 50053];

export async function runPasswordSprayDetector(db: Db, now: number): Promise<number> {
  const from = now - SPRAY_WINDOW_MS;
  const sources = await db
    .selectFrom('sign_ins')
    .select(['tenant_id', 'ip_address', sql<number>`COUNT(DISTINCT user_id)`.as('accounts')])
    .where('created_at', '>=', from)
    .where('created_at', '<=', now)
    .where('error_code', '=', WRONG_PASSWORD)
    .where('is_interactive', '=', 1)
    .where('ip_address', 'is not', null)
    .where('user_id', 'is not', null)
    .groupBy(['tenant_id', 'ip_address'])
    .having(sql`COUNT(DISTINCT user_id)`, '>=', SPRAY_MIN_ACCOUNTS)
    .execute();
  let raised = 0;
  for (const source of sources) {
    const hits = await db
      .selectFrom('sign_ins')
      .select([
        'id',
        'home_tenant_id',
        'user_id',
        'user_principal_name',
        'created_at',
        'correlation_id',
        'error_code',
        'authentication_requirement',
      ])
      .where('tenant_id', '=', source.tenant_id)
      .where('ip_address', '=', source.ip_address)
      .where('created_at', '>=', from)
      .where('created_at', '<=', now)
      .where('is_interactive', '=', 1)
      .where('user_id', 'is not', null)
      .where('error_code', 'not in', PASSWORD_NOT_CHECKED)
      .execute();
    const mfaSuccess = (hit: (typeof hits)[number]) =>
      hit.error_code === 0 && hit.authentication_requirement === 'multiFactorAuthentication';
    const provedMfa = new Set(hits.filter(mfaSuccess).map((hit) => hit.correlation_id));
    for (const hit of hits) {
      if (mfaSuccess(hit) || (hit.correlation_id !== null && provedMfa.has(hit.correlation_id))) continue;
      const isNew = await raiseDetection(
        db,
        {
          // A partner's user signing in at a customer's authority: its account, and risk, is home.
          tenantId: hit.home_tenant_id ?? source.tenant_id,
          userId: hit.user_id!,
          userPrincipalName: hit.user_principal_name ?? '',
          riskEventType: 'passwordSpray',
          riskLevel: 'medium',
          timing: 'offline',
          activity: 'signin',
          ipAddress: source.ip_address,
          requestId: hit.correlation_id,
          activityAt: Number(hit.created_at),
          additionalInfo: {
            riskReasons: 'passwordSpray',
            clientIp: source.ip_address ?? '',
            sprayedAccounts: String(source.accounts),
          },
          dedupeKey: `passwordSpray:${hit.id}`,
        },
        now,
      );
      if (isNew) raised += 1;
    }
  }
  return raised;
}
