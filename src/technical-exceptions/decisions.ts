import { type Db, inTransaction } from '../storage/database.ts';
import type { TechnicalExceptionTable } from '../storage/schema.ts';
import { holdsAcceptance } from './program-settings.ts';
import { ExceptionRefusal } from './refusals.ts';
import { getProgramException, type TechnicalException } from './requests.ts';
import { type EnforcementPoint, formatScope } from './scope.ts';
import { type ExceptionEvent, TRANSITIONS } from './state.ts';

/**
 * The operator's decisions on exception requests (SPEC §12): approve (time-bound, E1/E2 only),
 * reject with a reason, end an approved one early. Each is one transition of the state table
 * (state.ts), written as a conditional update on (status, version).
 */

/** The longest an approval may run: an end date at most 365 days after the day it is approved. */
export const MAX_APPROVAL_DAYS = 365;
const DAY_MS = 86_400_000;

/**
 * The end of an approval from its end date `YYYY-MM-DD` (UTC): the exception covers through that
 * whole day and ends at the following midnight. The date must be today or later and at most
 * MAX_APPROVAL_DAYS after today.
 */
export function endOfApproval(endDate: unknown, now: number): number {
  const refuse = (message: string): never => {
    throw new ExceptionRefusal('invalid_exception_decision', message);
  };
  if (typeof endDate !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(endDate))
    refuse('An approval needs its end date, YYYY-MM-DD (UTC).');
  const start = Date.parse(`${endDate}T00:00:00Z`);
  if (Number.isNaN(start) || new Date(start).toISOString().slice(0, 10) !== endDate)
    refuse(`${String(endDate)} is not a date.`);
  const endsAt = start + DAY_MS;
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  if (endsAt <= now) refuse('The end date has passed: choose today or a later day.');
  if (start > today + MAX_APPROVAL_DAYS * DAY_MS)
    refuse(
      `An exception lasts at most ${MAX_APPROVAL_DAYS} days: choose an end date within a year of today.`,
    );
  return endsAt;
}

export interface Decision {
  /** The operator's account that decided (UPN). */
  by: string;
}

async function transition(
  db: Db,
  current: TechnicalException,
  event: ExceptionEvent,
  set: Partial<TechnicalExceptionTable>,
  now: number,
): Promise<TechnicalException> {
  const { from, to } = TRANSITIONS[event];
  // A decision needs a pending request; ending needs an approved one (in force).
  const conflict = from === 'pending' ? 'exception_not_pending' : 'exception_not_in_force';
  if (current.status !== from)
    throw new ExceptionRefusal(conflict, `The request is ${current.status}; it cannot become ${to}.`);
  const result = await db
    .updateTable('technical_exceptions')
    .set({ ...set, status: to, version: current.version + 1 })
    .where('id', '=', current.id)
    .where('status', '=', from)
    .where('version', '=', current.version)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1)
    throw new ExceptionRefusal(conflict, 'The request was changed meanwhile; reload it.');
  const changed = await getProgramException(db, current.id, now);
  if (!changed) throw new ExceptionRefusal('not_found', `No technical exception request ${current.id}.`);
  return changed;
}

async function pendingRequest(db: Db, id: string, now: number): Promise<TechnicalException> {
  const current = await getProgramException(db, id, now);
  if (!current) throw new ExceptionRefusal('not_found', `No technical exception request ${id}.`);
  return current;
}

/**
 * The operator approves (SPEC §12): time-bound (an end date, required, within MAX_APPROVAL_DAYS)
 * and for E1, E2 or both — never E3. Only while the program accepts exceptions, checked in the
 * same transaction as the change (program-settings.ts holdsAcceptance).
 */
export async function approveException(
  db: Db,
  id: string,
  input: { endDate?: unknown; scope?: unknown },
  decision: Decision,
  now: number,
): Promise<TechnicalException> {
  const endsAt = endOfApproval(input.endDate, now);
  const scope = input.scope ?? ['E1', 'E2'];
  if (
    !Array.isArray(scope) ||
    scope.length === 0 ||
    !scope.every((p) => p === 'E1' || p === 'E2') ||
    new Set(scope).size !== scope.length
  )
    throw new ExceptionRefusal(
      'invalid_exception_decision',
      'The scope is E1 (dashboard), E2 (Partner API) or both; an exception never covers E3 (delegated admin).',
    );
  return inTransaction(db, async (trx) => {
    if (!(await holdsAcceptance(trx)))
      throw new ExceptionRefusal(
        'exceptions_not_accepted',
        'The partner program does not accept technical exceptions: turn the setting on before approving one.',
      );
    const current = await pendingRequest(trx, id, now);
    const approval = {
      open_key: null,
      scope: formatScope(scope as EnforcementPoint[]),
      ends_at: endsAt,
      decided_at: now,
      decided_by: decision.by,
    };
    return transition(trx, current, 'approve', approval, now);
  });
}

export const MAX_REASON = 2000;

function reasonOf(reason: unknown, what: string): string {
  const text = typeof reason === 'string' ? reason.trim() : '';
  if (text === '' || text.length > MAX_REASON)
    throw new ExceptionRefusal(
      'invalid_exception_decision',
      `${what} needs its reason (1 to ${MAX_REASON} characters), which the partner sees.`,
    );
  return text;
}

/**
 * The operator ends one approved exception before its end date (for example when the partner's
 * MFA can send the claim after all), with a reason the partner sees. It covers nothing from then on.
 */
export async function endException(
  db: Db,
  id: string,
  reason: unknown,
  decision: Decision,
  now: number,
): Promise<TechnicalException> {
  const text = reasonOf(reason, 'Ending an exception');
  const current = await getProgramException(db, id, now);
  if (!current) throw new ExceptionRefusal('not_found', `No technical exception request ${id}.`);
  return transition(db, current, 'end', { reason: text, closed_at: now, decided_by: decision.by }, now);
}

/** The operator rejects, with a reason (required), which the partner sees. */
export async function rejectException(
  db: Db,
  id: string,
  reason: unknown,
  decision: Decision,
  now: number,
): Promise<TechnicalException> {
  const text = reasonOf(reason, 'A rejection');
  const current = await pendingRequest(db, id, now);
  const rejection = { open_key: null, reason: text, decided_at: now, decided_by: decision.by };
  return transition(db, current, 'reject', rejection, now);
}
