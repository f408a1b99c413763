import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Db } from '../storage/database.ts';
import type { RequestLogTable } from '../storage/schema.ts';

export type Surface = RequestLogTable['surface'];
export type Outcome = RequestLogTable['outcome'];

/** One dashboard operation or Partner API request (SPEC §11: the inputs of B1, B2 and the downloads). */
export interface RequestRecord {
  tenantId: string;
  surface: Surface;
  operation: string;
  userId?: string | null;
  userPrincipalName?: string | null;
  appId?: string | null;
  mfaCompliant: boolean;
  statusCode: number;
  /** Overrides the outcome read from the status (a step-up redirect is a refusal, not a success). */
  outcome?: Outcome;
  correlationId: string;
  occurredAt: number;
}

export function outcomeOf(status: number): Outcome {
  if (status < 400) return 'success';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status < 500) return 'bad_request';
  return 'error';
}

/** Rows kept in memory when the database refuses them, before the oldest are given up (and said so). */
const MAX_PENDING = 100_000;
const ROWS_PER_INSERT = 200;

/**
 * The request log (issue 3 item 4). Requests only append to memory; a timer (or a full batch)
 * writes them in multi-row inserts, so the hot path never waits for storage. `close()` flushes on
 * graceful shutdown; rows a failed write could not store are kept and retried.
 */
export class RequestLog {
  readonly #db: Db;
  readonly #log: Logger;
  readonly #batchSize: number;
  readonly #intervalMs: number;
  #pending: RequestLogTable[] = [];
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();

  constructor(db: Db, log: Logger, options: { batchSize?: number; intervalMs?: number } = {}) {
    this.#db = db;
    this.#log = log;
    this.#batchSize = options.batchSize ?? 500;
    this.#intervalMs = options.intervalMs ?? 1000;
  }

  record(entry: RequestRecord): void {
    this.#pending.push({
      tenant_id: entry.tenantId,
      id: randomUUID(),
      occurred_at: entry.occurredAt,
      surface: entry.surface,
      operation: entry.operation,
      user_id: entry.userId ?? null,
      user_principal_name: entry.userPrincipalName ?? null,
      app_id: entry.appId ?? null,
      mfa_compliant: entry.mfaCompliant ? 1 : 0,
      outcome: entry.outcome ?? outcomeOf(entry.statusCode),
      status_code: entry.statusCode,
      correlation_id: entry.correlationId,
    });
    if (this.#pending.length >= this.#batchSize) void this.flush();
    else this.#schedule();
  }

  /** A flush within `intervalMs`, unless one is already due. */
  #schedule(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, this.#intervalMs);
    this.#timer.unref();
  }

  /** Writes everything recorded so far; resolves when it is stored (or kept for a retry after an error). */
  flush(): Promise<void> {
    this.#writing = this.#writing.then(() => this.#write());
    return this.#writing;
  }

  /** Graceful shutdown: stop the timer and store what is pending. */
  async close(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }

  async #write(): Promise<void> {
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    try {
      await this.#db.transaction().execute(async (trx) => {
        for (let i = 0; i < batch.length; i += ROWS_PER_INSERT) {
          await trx
            .insertInto('request_log')
            .values(batch.slice(i, i + ROWS_PER_INSERT))
            .execute();
        }
      });
    } catch (err) {
      // Keep the rows for the next flush; past the cap, drop the oldest and say how many.
      this.#pending = [...batch, ...this.#pending];
      const over = this.#pending.length - MAX_PENDING;
      if (over > 0) this.#pending.splice(0, over);
      this.#log.error(
        { err, pending: this.#pending.length, dropped: Math.max(0, over) },
        'request log write failed',
      );
      this.#schedule();
    }
  }
}

/** The recorded requests of a tenant in a time window, oldest first. */
export async function listRequests(
  db: Db,
  tenantId: string,
  window: { since?: number; until?: number } = {},
): Promise<RequestLogTable[]> {
  let query = db.selectFrom('request_log').selectAll().where('tenant_id', '=', tenantId);
  if (window.since !== undefined) query = query.where('occurred_at', '>=', window.since);
  if (window.until !== undefined) query = query.where('occurred_at', '<', window.until);
  const rows = await query.orderBy('occurred_at').orderBy('id').execute();
  return rows.map((r) => ({ ...r, occurred_at: Number(r.occurred_at) }));
}
