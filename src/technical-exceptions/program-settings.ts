import { type Db, inTransaction } from '../storage/database.ts';
import { TRANSITIONS } from './state.ts';

/**
 * The operator's program settings (SPEC §12): whether the partner program accepts technical
 * exceptions at all. Default **no** (002's cut-over and 004: no reason is accepted now), so a
 * program without a row does not accept them.
 */
export const EXCEPTIONS_ACCEPTED = 'technical_exceptions_accepted';

export interface ProgramSettings {
  technicalExceptionsAccepted: boolean;
  /** When and by whom the setting was last changed; null while it has its default. */
  updatedAt: number | null;
  updatedBy: string | null;
}

export async function readProgramSettings(db: Db): Promise<ProgramSettings> {
  const row = await db
    .selectFrom('program_settings')
    .selectAll()
    .where('key', '=', EXCEPTIONS_ACCEPTED)
    .executeTakeFirst();
  return {
    technicalExceptionsAccepted: row?.value === 'true',
    updatedAt: row ? Number(row.updated_at) : null,
    updatedBy: row?.updated_by ?? null,
  };
}

/** Ends every approved exception of the program (the program stopped accepting them). */
const ENDED_REASON = 'The partner program stopped accepting technical exceptions.';

/**
 * Turns the acceptance of technical exceptions on or off. Turning it off ends every approved
 * exception in the same transaction (SPEC §12: an exception ends as soon as the program stops
 * accepting them); turning it on again revives none. Returns the settings now in force and how
 * many exceptions ended.
 */
export async function setExceptionsAccepted(
  db: Db,
  accepted: boolean,
  by: string,
  now: number,
): Promise<{ settings: ProgramSettings; ended: number }> {
  return inTransaction(db, async (trx) => {
    const value = accepted ? 'true' : 'false';
    // The row's write lock also orders this against an approval in flight (requests.ts holdsAcceptance).
    await trx
      .insertInto('program_settings')
      .values({ key: EXCEPTIONS_ACCEPTED, value, updated_at: now, updated_by: by })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: now, updated_by: by }))
      .execute();
    let ended = 0;
    if (!accepted) {
      const result = await trx
        .updateTable('technical_exceptions')
        .set((eb) => ({
          status: TRANSITIONS.end.to,
          reason: ENDED_REASON,
          closed_at: now,
          version: eb('version', '+', 1),
        }))
        .where('status', '=', TRANSITIONS.end.from)
        .executeTakeFirst();
      ended = Number(result.numUpdatedRows);
    }
    return { settings: { technicalExceptionsAccepted: accepted, updatedAt: now, updatedBy: by }, ended };
  });
}

/**
 * Inside a transaction that approves an exception: true while the program accepts exceptions,
 * holding the setting's row so that a concurrent "stop accepting" waits for this transaction (and
 * then ends what it approved) or runs first (and this one sees "not accepted"). A conditional
 * update, not a read: PostgreSQL re-checks its condition after the other transaction commits.
 */
export async function holdsAcceptance(trx: Db): Promise<boolean> {
  const result = await trx
    .updateTable('program_settings')
    .set({ value: 'true' })
    .where('key', '=', EXCEPTIONS_ACCEPTED)
    .where('value', '=', 'true')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
