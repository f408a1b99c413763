import { randomUUID } from 'node:crypto';
import { getTenant } from '../directory/tenants.ts';
import { findUserByUpn } from '../directory/users.ts';
import { type Db, isUniqueViolation } from '../storage/database.ts';
import type { TechnicalExceptionTable } from '../storage/schema.ts';
import { type Evidence, readEvidence, type SelfTest } from './evidence.ts';
import { readProgramSettings } from './program-settings.ts';
import { ExceptionRefusal } from './refusals.ts';
import { type EnforcementPoint, parseScope } from './scope.ts';
import { type ExceptionStatus, TRANSITIONS } from './state.ts';
import { dueDateOf } from './working-days.ts';

/** SPEC §12, seeds 003/004: the support request's title and category, as Partner Center files it. */
export const REQUEST_TITLE = 'MFA - Request for exception';
export const REQUEST_CATEGORY = 'CSP > Accounts, Onboarding, Access';

export interface TechnicalException extends Evidence {
  id: string;
  partnerTenantId: string;
  filedByUserId: string;
  filedBy: string;
  filedAt: number;
  dueAt: number;
  status: ExceptionStatus;
  version: number;
  scope: EnforcementPoint[];
  endsAt: number | null;
  decidedAt: number | null;
  decidedBy: string | null;
  reason: string | null;
  closedAt: number | null;
  /** The operator's lists: the partner's display name. */
  partnerName?: string;
}

function toException(r: TechnicalExceptionTable & { partner_name?: string }): TechnicalException {
  return {
    id: r.id,
    partnerTenantId: r.partner_tenant_id,
    ...(r.partner_name === undefined ? {} : { partnerName: r.partner_name }),
    mfaProduct: r.mfa_product,
    integration: r.integration,
    selfTest: JSON.parse(r.self_test) as SelfTest,
    purchaseReference: r.purchase_reference,
    filedByUserId: r.filed_by_user_id,
    filedBy: r.filed_by,
    filedAt: Number(r.filed_at),
    dueAt: Number(r.due_at),
    status: r.status,
    version: Number(r.version),
    scope: parseScope(r.scope),
    endsAt: r.ends_at === null ? null : Number(r.ends_at),
    decidedAt: r.decided_at === null ? null : Number(r.decided_at),
    decidedBy: r.decided_by,
    reason: r.reason,
    closedAt: r.closed_at === null ? null : Number(r.closed_at),
  };
}

/** The most requests one list returns (a partner's own, or each half of the operator's queue). */
export const REVIEW_QUEUE_LIMIT = 500;

/** A pending request past its due date (three working days after filing). */
export function isOverdue(e: TechnicalException, now: number): boolean {
  return e.status === 'pending' && now > e.dueAt;
}

export interface Filer {
  userId: string;
  userPrincipalName: string;
}

/**
 * Files a request for the partner (SPEC §12). Refused while the program does not accept
 * exceptions, when the evidence does not hold up (evidence.ts; the self-test must be of an
 * existing account of the partner), and while the partner already has a pending request (one at a
 * time, settled by the database's unique key on `open_key`).
 */
export async function fileException(
  db: Db,
  partnerTenantId: string,
  input: Record<string, unknown>,
  filer: Filer,
  now: number,
): Promise<TechnicalException> {
  // SPEC §12: partners file exceptions; the operator's (and customers') tenants never hold one.
  if ((await getTenant(db, partnerTenantId))?.kind !== 'partner')
    throw new ExceptionRefusal(
      'exceptions_not_accepted',
      'Only a partner tenant files technical exceptions.',
    );
  if (!(await readProgramSettings(db)).technicalExceptionsAccepted)
    throw new ExceptionRefusal(
      'exceptions_not_accepted',
      'The partner program does not accept technical exceptions: every account must use MFA that sends the MFA claim.',
    );
  const evidence = readEvidence(input, partnerTenantId);
  if (!(await findUserByUpn(db, partnerTenantId, evidence.selfTest.user)))
    throw new ExceptionRefusal(
      'invalid_self_test',
      `The self-test names ${evidence.selfTest.user}, which is not an account of your tenant.`,
    );
  const row: TechnicalExceptionTable = {
    partner_tenant_id: partnerTenantId,
    id: randomUUID(),
    mfa_product: evidence.mfaProduct,
    integration: evidence.integration,
    self_test: JSON.stringify(evidence.selfTest),
    purchase_reference: evidence.purchaseReference,
    filed_by_user_id: filer.userId,
    filed_by: filer.userPrincipalName,
    filed_at: now,
    due_at: dueDateOf(now),
    status: 'pending',
    version: 1,
    open_key: partnerTenantId,
    scope: null,
    ends_at: null,
    decided_at: null,
    decided_by: null,
    reason: null,
    closed_at: null,
  };
  try {
    await db.insertInto('technical_exceptions').values(row).execute();
  } catch (error) {
    if (isUniqueViolation(error))
      throw new ExceptionRefusal(
        'exception_already_pending',
        'You already have a request waiting for review; wait for its answer.',
      );
    throw error;
  }
  return toException(row);
}

/**
 * Approved exceptions whose end date has passed become `expired` (a conditional update, so two
 * instances doing it at once change each row once). Coverage never waits for this: it compares the
 * end date itself (coverage.ts); this keeps the lists truthful.
 */
async function settleExpired(db: Db, now: number, partnerTenantId?: string): Promise<void> {
  let update = db
    .updateTable('technical_exceptions')
    .set((eb) => ({
      status: TRANSITIONS.expire.to,
      closed_at: eb.ref('ends_at'),
      version: eb('version', '+', 1),
    }))
    .where('status', '=', TRANSITIONS.expire.from)
    .where('ends_at', '<=', now);
  if (partnerTenantId) update = update.where('partner_tenant_id', '=', partnerTenantId);
  await update.execute();
}

/** The partner's own requests, newest first (the latest REVIEW_QUEUE_LIMIT). */
export async function listPartnerExceptions(
  db: Db,
  partnerTenantId: string,
  now: number,
): Promise<TechnicalException[]> {
  await settleExpired(db, now, partnerTenantId);
  const rows = await db
    .selectFrom('technical_exceptions')
    .selectAll()
    .where('partner_tenant_id', '=', partnerTenantId)
    .orderBy('filed_at', 'desc')
    .orderBy('id')
    .limit(REVIEW_QUEUE_LIMIT)
    .execute();
  return rows.map(toException);
}

export async function getPartnerException(
  db: Db,
  partnerTenantId: string,
  id: string,
  now: number,
): Promise<TechnicalException | undefined> {
  await settleExpired(db, now, partnerTenantId);
  const row = await db
    .selectFrom('technical_exceptions')
    .selectAll()
    .where('partner_tenant_id', '=', partnerTenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row && toException(row);
}

/** The operator sees every partner's requests, each with the partner's name. */
function withPartnerName(db: Db) {
  return db
    .selectFrom('technical_exceptions')
    .innerJoin('tenants', 'tenants.id', 'technical_exceptions.partner_tenant_id')
    .selectAll('technical_exceptions')
    .select('tenants.display_name as partner_name');
}

/**
 * The operator's review queue (program-wide, SPEC §1: the operator reviews every partner's
 * requests): pending first, soonest due first; then the decided ones, newest first.
 */
export async function listProgramExceptions(db: Db, now: number): Promise<TechnicalException[]> {
  await settleExpired(db, now);
  const [pending, decided] = await Promise.all([
    withPartnerName(db)
      .where('technical_exceptions.status', '=', 'pending')
      .orderBy('technical_exceptions.due_at')
      .orderBy('technical_exceptions.id')
      .limit(REVIEW_QUEUE_LIMIT)
      .execute(),
    withPartnerName(db)
      .where('technical_exceptions.status', '!=', 'pending')
      .orderBy('technical_exceptions.filed_at', 'desc')
      .orderBy('technical_exceptions.id')
      .limit(REVIEW_QUEUE_LIMIT)
      .execute(),
  ]);
  return [...pending, ...decided].map(toException);
}

export async function getProgramException(
  db: Db,
  id: string,
  now: number,
): Promise<TechnicalException | undefined> {
  await settleExpired(db, now);
  const row = await withPartnerName(db).where('technical_exceptions.id', '=', id).executeTakeFirst();
  return row && toException(row);
}
