import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { type AuditActor, recordAuditEvent, SYSTEM_ACTOR } from '../audit/audit-events.ts';
import { revokeUserSessions } from '../sessions/user-sessions.ts';
import { type Db, inTransaction } from '../storage/database.ts';
import {
  ACTIVE_RISK_STATES,
  type RiskDetail,
  type RiskEventType,
  type RiskLevel,
  type RiskState,
} from './risk-types.ts';

/**
 * THE writer of user risk (SPEC §9, issue 15 item 6, reference entra-identity §6.1): detections
 * raised, and what administrators and remediations do to a user's risk. Every change is one
 * transaction with its audit event; races between instances are settled by the database (a
 * detection's unique key, an upsert that keeps the higher level).
 */

export const AUDIT_CATEGORY = 'IdentityProtection';

export interface NewDetection {
  tenantId: string;
  userId: string;
  userPrincipalName: string;
  riskEventType: RiskEventType;
  riskLevel: Exclude<RiskLevel, 'none'>;
  /** Reference §6.1 `detectionTimingType`. */
  timing: 'realtime' | 'offline';
  activity: 'signin' | 'user';
  ipAddress?: string | null;
  requestId?: string | null;
  activityAt: number;
  /** Graph's additionalInfo pairs. */
  additionalInfo?: Record<string, string>;
  /** What makes this detection one: raising it again (a re-run, a second instance) does nothing. */
  dedupeKey: string;
  /** Risk state of the detection and the user; `confirmedCompromised` for an administrator's confirm. */
  state?: 'atRisk' | 'confirmedCompromised';
  detail?: RiskDetail;
}

// SQL rank of a level column, to keep the higher of two levels in one statement.
const rank = (column: string) =>
  sql.raw(`CASE ${column} WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END`);

/**
 * Records a detection and raises the user's risk to at least its level; returns whether it was
 * new. A detection already recorded (same dedupe key) changes nothing. A high detection leaves the
 * user high (high is the top level), so it ends everything the user is signed in with, in the same
 * transaction (SPEC §9): sessions and refresh chains at every authority — a partner user's at its
 * customers' too — dashboard sessions, and the access tokens issued until now (the revocation
 * list), so no instance honours any of them.
 */
export async function raiseDetection(db: Db, input: NewDetection, now: number): Promise<boolean> {
  const state = input.state ?? 'atRisk';
  const detail = input.detail ?? 'none';
  return inTransaction(db, async (trx) => {
    const inserted = await trx
      .insertInto('risk_detections')
      .values({
        tenant_id: input.tenantId,
        id: randomUUID(),
        user_id: input.userId,
        risk_event_type: input.riskEventType,
        risk_level: input.riskLevel,
        risk_state: state,
        risk_detail: detail,
        detection_timing_type: input.timing,
        activity: input.activity,
        source: 'activeDirectory',
        ip_address: input.ipAddress ?? null,
        request_id: input.requestId ?? null,
        activity_at: input.activityAt,
        detected_at: now,
        last_updated_at: now,
        additional_info: JSON.stringify(
          Object.entries(input.additionalInfo ?? {}).map(([Key, Value]) => ({ Key, Value })),
        ),
        dedupe_key: input.dedupeKey.slice(0, 200),
      })
      .onConflict((oc) => oc.columns(['tenant_id', 'dedupe_key']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return false;
    // The user's risk: the higher of the current active level and this one; a confirmed
    // compromise stays confirmed. One statement, so two detections at once both count.
    await trx
      .insertInto('risky_users')
      .values({
        tenant_id: input.tenantId,
        user_id: input.userId,
        risk_level: input.riskLevel,
        risk_state: state,
        risk_detail: detail,
        risk_last_updated_at: now,
      })
      .onConflict((oc) =>
        oc.columns(['tenant_id', 'user_id']).doUpdateSet({
          risk_level: sql<string>`CASE WHEN risky_users.risk_state IN ('atRisk', 'confirmedCompromised') AND ${rank('risky_users.risk_level')} > ${rank('excluded.risk_level')} THEN risky_users.risk_level ELSE excluded.risk_level END`,
          risk_state: sql<string>`CASE WHEN risky_users.risk_state = 'confirmedCompromised' THEN risky_users.risk_state ELSE excluded.risk_state END`,
          risk_detail: sql<string>`CASE WHEN risky_users.risk_state = 'confirmedCompromised' THEN risky_users.risk_detail ELSE excluded.risk_detail END`,
          risk_last_updated_at: now,
        }),
      )
      .execute();
    if (input.riskLevel === 'high') await revokeUserSessions(trx, input.tenantId, input.userId);
    await recordAuditEvent(
      trx,
      [input.tenantId],
      {
        category: AUDIT_CATEGORY,
        activity: 'Risk detected',
        actor: SYSTEM_ACTOR,
        target: { type: 'user', id: input.userId, name: input.userPrincipalName },
        details: {
          riskEventType: input.riskEventType,
          riskLevel: input.riskLevel,
          ...(input.ipAddress ? { ipAddress: input.ipAddress } : {}),
        },
      },
      now,
    );
    return true;
  });
}

/** The user's risk that counts at sign-in now: the level while at risk or confirmed compromised. */
export async function activeUserRisk(db: Db, tenantId: string, userId: string): Promise<RiskLevel> {
  const row = await db
    .selectFrom('risky_users')
    .select(['risk_level', 'risk_state'])
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (!row || !ACTIVE_RISK_STATES.includes(row.risk_state as RiskState)) return 'none';
  return row.risk_level as RiskLevel;
}

/** The user's risk as a sign-in decides and records it (Graph signIn `riskLevelDuringSignIn`, `riskState`, `riskEventTypes_v2`). */
export interface SignInRiskSnapshot {
  level: RiskLevel;
  state: string;
  eventTypes: string[];
}

/**
 * The user's risk at this moment, for a sign-in (issue 15 item 6, reference §6.1): the level while
 * the risk is active (activeUserRisk's answer), else none; the risky user's state as it is (a
 * remediated or dismissed user says so); and, only while active, the types of its active
 * detections. A user never at risk costs one query.
 */
export async function userRiskSnapshot(
  db: Db,
  tenantId: string,
  userId: string,
): Promise<SignInRiskSnapshot> {
  const row = await db
    .selectFrom('risky_users')
    .select(['risk_level', 'risk_state'])
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (!row) return { level: 'none', state: 'none', eventTypes: [] };
  if (!ACTIVE_RISK_STATES.includes(row.risk_state as RiskState))
    return { level: 'none', state: row.risk_state, eventTypes: [] };
  const detections = await db
    .selectFrom('risk_detections')
    .select('risk_event_type')
    .distinct()
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .where('risk_state', 'in', [...ACTIVE_RISK_STATES])
    .orderBy('risk_event_type')
    .execute();
  return {
    level: row.risk_level as RiskLevel,
    state: row.risk_state,
    eventTypes: detections.map((d) => d.risk_event_type),
  };
}

/** An end of a user's risk: the state and detail Graph shows for it (reference §6.1, §6.4). */
export type RiskEnd =
  | { state: 'dismissed'; detail: 'adminDismissedAllRiskForUser' }
  | {
      state: 'remediated';
      detail:
        | 'adminGeneratedTemporaryPassword'
        | 'userPerformedSecuredPasswordChange'
        | 'userPerformedSecuredPasswordReset';
    };

const END_ACTIVITY: Record<RiskEnd['detail'], string> = {
  adminDismissedAllRiskForUser: 'Dismiss user risk',
  adminGeneratedTemporaryPassword: 'Remediate user risk',
  userPerformedSecuredPasswordChange: 'Remediate user risk',
  userPerformedSecuredPasswordReset: 'Remediate user risk',
};

/**
 * The risk states each end may end. An administrator's dismissal or reset to a temporary password
 * ends any active risk; the user's own secured password change or reset (reference §6.4) ends an
 * `atRisk` user only: an administrator's `confirmedCompromised` stays until an administrator acts
 * (whoever took the account may hold its methods, and so pass a self-service reset).
 */
const ENDS_STATES: Record<RiskEnd['detail'], readonly RiskState[]> = {
  adminDismissedAllRiskForUser: ACTIVE_RISK_STATES,
  adminGeneratedTemporaryPassword: ACTIVE_RISK_STATES,
  userPerformedSecuredPasswordChange: ['atRisk'],
  userPerformedSecuredPasswordReset: ['atRisk'],
};

/**
 * Ends the active risk of one user in the caller's transaction (as far as ENDS_STATES lets this
 * end): the user's level to none, and every detection of theirs still active to the same state
 * (reference §6.1 dismiss: "all the user's risky sign-ins & detections are dismissed too").
 * Returns whether there was risk to end; nothing is written (or audited) otherwise.
 */
export async function endUserRisk(
  trx: Db,
  target: { tenantId: string; userId: string; userPrincipalName: string },
  end: RiskEnd,
  actor: AuditActor,
  now: number,
): Promise<boolean> {
  const updated = await trx
    .updateTable('risky_users')
    .set({ risk_level: 'none', risk_state: end.state, risk_detail: end.detail, risk_last_updated_at: now })
    .where('tenant_id', '=', target.tenantId)
    .where('user_id', '=', target.userId)
    .where('risk_state', 'in', [...ENDS_STATES[end.detail]])
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) return false;
  await trx
    .updateTable('risk_detections')
    .set({ risk_state: end.state, risk_detail: end.detail, last_updated_at: now })
    .where('tenant_id', '=', target.tenantId)
    .where('user_id', '=', target.userId)
    .where('risk_state', 'in', [...ACTIVE_RISK_STATES])
    .execute();
  await recordAuditEvent(
    trx,
    [target.tenantId],
    {
      category: AUDIT_CATEGORY,
      activity: END_ACTIVITY[end.detail],
      actor,
      target: { type: 'user', id: target.userId, name: target.userPrincipalName },
      details: { riskState: end.state, riskDetail: end.detail },
    },
    now,
  );
  return true;
}

/**
 * Graph's confirmCompromised (reference §6.1): the user's risk to high, state
 * `confirmedCompromised`, detail `adminConfirmedUserCompromised`, with an
 * `adminConfirmedUserCompromised` detection; every session ends and the user's Temporary Access
 * Pass is deleted; audited with the administrator as actor.
 */
export async function confirmUserCompromised(
  db: Db,
  target: { tenantId: string; userId: string; userPrincipalName: string },
  actor: AuditActor,
  now: number,
): Promise<void> {
  await inTransaction(db, async (trx) => {
    // Confirming again after a dismissal is a new confirmation: the key names the moment. The high
    // detection ends the user's sessions and tokens (above); a second confirm in the same
    // millisecond records none, so it ends them itself.
    const raised = await raiseDetection(
      trx,
      {
        ...target,
        riskEventType: 'adminConfirmedUserCompromised',
        riskLevel: 'high',
        timing: 'offline',
        activity: 'user',
        activityAt: now,
        dedupeKey: `adminConfirmedUserCompromised:${target.userId}:${now}`,
        state: 'confirmedCompromised',
        detail: 'adminConfirmedUserCompromised',
      },
      now,
    );
    if (!raised) await revokeUserSessions(trx, target.tenantId, target.userId);
    // A Temporary Access Pass signs in without the password: whoever took the account may hold it
    // (security review LOW), and the remediation is a password reset, not the pass.
    await trx
      .deleteFrom('temporary_access_passes')
      .where('tenant_id', '=', target.tenantId)
      .where('user_id', '=', target.userId)
      .execute();
    // A user already at risk becomes confirmed compromised too (the upsert keeps an existing state).
    await trx
      .updateTable('risky_users')
      .set({
        risk_level: 'high',
        risk_state: 'confirmedCompromised',
        risk_detail: 'adminConfirmedUserCompromised',
        risk_last_updated_at: now,
      })
      .where('tenant_id', '=', target.tenantId)
      .where('user_id', '=', target.userId)
      .execute();
    await recordAuditEvent(
      trx,
      [target.tenantId],
      {
        category: AUDIT_CATEGORY,
        activity: 'Confirm user compromised',
        actor,
        target: { type: 'user', id: target.userId, name: target.userPrincipalName },
        details: { riskState: 'confirmedCompromised', riskLevel: 'high' },
      },
      now,
    );
  });
}
