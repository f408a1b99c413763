import type { AuditActor } from '../audit/audit-events.ts';
import { confirmUserCompromised, endUserRisk } from '../identity-protection/risk-state.ts';
import { type Db, inTransaction } from '../storage/database.ts';
import { type RiskChange, refuseIf, riskChangeRefusal } from './refusals.ts';
import type { User } from './users.ts';

/**
 * An administrator's dismissal or confirmation of users' risk (SPEC §9; reference §6.1): THE way
 * both Graph's `riskyUsers` actions and the dashboard's Security workspace do it. Every target is
 * first put to the per-object rule (refusals.ts `riskChangeRefusal`): one refusal refuses the whole
 * request and changes nothing. Then all of them in one transaction.
 *
 * - dismiss: risk to none, state `dismissed`, detail `adminDismissedAllRiskForUser`; the users'
 *   detections are dismissed too; the password is unchanged.
 * - confirmCompromised: risk-state.ts `confirmUserCompromised` (high, sessions and pass ended).
 */
export async function changeUsersRisk(
  db: Db,
  actor: User | undefined,
  targets: readonly User[],
  change: RiskChange,
  by: AuditActor,
  now: number,
): Promise<void> {
  for (const target of targets) refuseIf(riskChangeRefusal(actor, target, change));
  await inTransaction(db, async (trx) => {
    for (const target of targets) {
      const who = {
        tenantId: target.tenantId,
        userId: target.id,
        userPrincipalName: target.userPrincipalName,
      };
      if (change === 'dismiss')
        await endUserRisk(trx, who, { state: 'dismissed', detail: 'adminDismissedAllRiskForUser' }, by, now);
      else await confirmUserCompromised(trx, who, by, now);
    }
  });
}
