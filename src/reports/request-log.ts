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
  /** A Partner API call's `MS-RequestId` (sent or generated). */
  requestId?: string;
  /** The caller's IP address as the server saw it (behind a proxy: what trustProxy resolves). */
  ipAddress?: string | null;
  /**
   * SPEC §12: the request lacked the MFA proof and was admitted only because the tenant holds an
   * approved technical exception; the figures count it apart (it is not MFA-compliant).
   */
  underException?: boolean;
  occurredAt: number;
  /** A call into a customer's tenant (SPEC E3): the customer and the access (GDAP or DAP) it used. */
  delegated?: {
    customerTenantId: string;
    via: 'gdap' | 'dap';
    roleTemplateIds: string[];
    relationshipIds: string[];
    /** The caller's `amr`: the methods behind the MFA proof, shown to the customer. */
    amr: string[];
  };
}

export function outcomeOf(status: number): Outcome {
  if (status < 400) return 'success';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status < 500) return 'bad_request';
  return 'error';
}

/** Seconds a client is told to wait (`Retry-After`) when its request could not be recorded. */
export const RETRY_AFTER_SECONDS = 5;

const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether the request changed something: a method that is not safe (RFC 9110 §9.2.1) that its
 * handler did not refuse.
 */
export function changedState(method: string, statusCode: number): boolean {
  return !SAFE_METHODS.has(method.toUpperCase()) && statusCode < 400;
}

export class RequestNotRecorded extends Error {
  readonly reason: 'write_failed' | 'queue_full';
  constructor(reason: 'write_failed' | 'queue_full', options?: ErrorOptions) {
    super(`request log row not stored (${reason})`, options);
    this.reason = reason;
  }
}

/** Rows waiting for a write (not counting the batch being written); past it, requests are refused. */
const MAX_WAITING = 10_000;
const ROWS_PER_INSERT = 200;

interface Waiting {
  row: RequestLogTable;
  seq: number;
  stored: PromiseWithResolvers<void>;
}

/**
 * The request log (issue 3 item 4), written by group commit. `record()` resolves once the row is
 * committed, and the gates send the response only then (SPEC §11: a crash must not lose a request
 * that was answered). Rows wait in a bounded queue; one batch is written at a time, and the next
 * starts as soon as the previous write ends, with every row that arrived meanwhile (up to
 * `batchSize`). At low load a request waits for one write of its own; under load many requests
 * share one INSERT.
 *
 * `intervalMs` lets rows linger up to that long for company before their batch starts (0, the
 * default: they never linger); a full batch, `flush()` and `close()` start the write at once.
 */
export class RequestLog {
  readonly #db: Db;
  readonly #log: Logger;
  readonly #batchSize: number;
  readonly #lingerMs: number;
  readonly #maxWaiting: number;
  #queue: Waiting[] = [];
  #seq = 0;
  /** Rows up to this sequence number are due now (a flush asked for them), linger or not. */
  #dueThrough = 0;
  /** The batch being written, if any. */
  #writing: Waiting[] | undefined;
  #soon: NodeJS.Immediate | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** Requests refused because the queue was full since the last successful write. */
  #refused = 0;
  readonly #onFlush: ((seconds: number, rows: number, ok: boolean) => void) | undefined;

  constructor(
    db: Db,
    log: Logger,
    options: {
      batchSize?: number;
      intervalMs?: number;
      maxWaiting?: number;
      /** Each batch written or failed, with how long it took (issue 16 item 2: flush latency). */
      onFlush?: (seconds: number, rows: number, ok: boolean) => void;
    } = {},
  ) {
    this.#db = db;
    this.#log = log;
    this.#onFlush = options.onFlush;
    this.#batchSize = options.batchSize ?? 500;
    this.#lingerMs = options.intervalMs ?? 0;
    this.#maxWaiting = options.maxWaiting ?? MAX_WAITING;
  }

  /** Rows queued or being written, not yet committed (issue 16 item 2: queue depth). */
  get waiting(): number {
    return this.#queue.length + (this.#writing?.length ?? 0);
  }

  /**
   * Queues the request's row; resolves when it is committed, rejects with `RequestNotRecorded`
   * when it will not be. A caller that does not wait cannot crash the process on a rejection.
   */
  record(entry: RequestRecord): Promise<void> {
    if (this.#queue.length >= this.#maxWaiting) {
      // Logged once per episode, not once per refused request.
      if (this.#refused++ === 0)
        this.#log.error({ waiting: this.#queue.length }, 'request log queue full: requests are refused');
      const refused = Promise.reject(new RequestNotRecorded('queue_full'));
      refused.catch(() => {});
      return refused;
    }
    const stored = Promise.withResolvers<void>();
    stored.promise.catch(() => {});
    this.#queue.push({
      seq: ++this.#seq,
      stored,
      row: {
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
        request_id: entry.requestId ?? null,
        ip_address: entry.ipAddress ?? null,
        under_exception: entry.underException ? 1 : 0,
        customer_tenant_id: entry.delegated?.customerTenantId ?? null,
        delegated_access: entry.delegated
          ? JSON.stringify({
              via: entry.delegated.via,
              roleTemplateIds: entry.delegated.roleTemplateIds,
              relationshipIds: entry.delegated.relationshipIds,
              amr: entry.delegated.amr,
            })
          : null,
      },
    });
    this.#next();
    return stored.promise;
  }

  /**
   * THE rule of what a response does when its row must be stored first (SPEC §11: the row is
   * committed before the answer goes out). Resolves `'send'` when the answer may go as it is:
   * the row is stored; or the request changed something (RFC 9110 §15.6.4: a 503 would invite a
   * client to repeat a change that was made, e.g. order twice), whose row is then tried again
   * after RETRY_AFTER_SECONDS; or the answer is already a failure. Resolves `'replace'` when the
   * caller must answer 503 with Retry-After instead, in its surface's shape.
   */
  async recordBeforeAnswer(entry: RequestRecord, method: string): Promise<'send' | 'replace'> {
    try {
      await this.record(entry);
      return 'send';
    } catch {
      if (changedState(method, entry.statusCode)) {
        this.#retryLater(entry);
        return 'send';
      }
      return entry.statusCode >= 500 ? 'send' : 'replace';
    }
  }

  /** The row of an answer that went out without it, tried once more; a second failure is logged. */
  #retryLater(entry: RequestRecord): void {
    const timer = setTimeout(() => {
      this.record(entry).catch((err: unknown) =>
        this.#log.error({ err, correlationId: entry.correlationId }, 'request log row lost after a retry'),
      );
    }, RETRY_AFTER_SECONDS * 1000);
    timer.unref();
  }

  /** Writes everything recorded so far; resolves when it is stored (or refused: its callers know). */
  async flush(): Promise<void> {
    this.#dueThrough = this.#seq;
    const pending = [...(this.#writing ?? []), ...this.#queue].map((w) => w.stored.promise);
    this.#next();
    await Promise.allSettled(pending);
  }

  /** Graceful shutdown: nothing lingers any more; resolves when every recorded row is stored. */
  async close(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }

  /** Starts the next batch if one is due and no write is under way (the write's end calls this again). */
  #next(): void {
    if (this.#writing || this.#soon || this.#queue.length === 0) return;
    const due =
      this.#lingerMs === 0 ||
      this.#queue.length >= this.#batchSize ||
      this.#queue[0]!.seq <= this.#dueThrough;
    if (!due) {
      this.#timer ??= setTimeout(() => {
        this.#timer = undefined;
        this.#dueThrough = Math.max(this.#dueThrough, this.#seq);
        this.#next();
      }, this.#lingerMs).unref();
      return;
    }
    // The check phase comes after this turn's I/O callbacks: the requests they finish join the batch.
    this.#soon = setImmediate(() => {
      this.#soon = undefined;
      this.#write();
    });
  }

  #write(): void {
    if (this.#writing) return;
    const rows = this.#queue.splice(0, this.#batchSize);
    if (rows.length === 0) return;
    if (this.#timer && this.#queue.length === 0) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#writing = rows;
    void this.#store(rows).finally(() => {
      this.#writing = undefined;
      this.#next();
    });
  }

  async #store(batch: Waiting[]): Promise<void> {
    const rows = batch.map((w) => w.row);
    const startedAt = performance.now();
    try {
      // One INSERT is atomic by itself; a transaction is needed only when the batch takes several.
      // SPEC §11: the daily rollups are added to by the database in the same statement (the
      // trigger request_log_rollups, migration 0023): a batch and its counts commit together.
      if (rows.length <= ROWS_PER_INSERT) await this.#db.insertInto('request_log').values(rows).execute();
      else {
        // Several statements in one transaction each lock the rollup keys of their rows; sorted by
        // that key across the whole batch, every transaction takes the keys in one order, so two
        // instances' large batches cannot deadlock on PostgreSQL.
        const sorted = rows.toSorted(byRollupKey);
        await this.#db.transaction().execute(async (trx) => {
          for (let i = 0; i < sorted.length; i += ROWS_PER_INSERT) {
            await trx
              .insertInto('request_log')
              .values(sorted.slice(i, i + ROWS_PER_INSERT))
              .execute();
          }
        });
      }
    } catch (err) {
      // Not kept for a retry: their requests are answered 503 (not recorded), so storing the rows
      // later would count requests whose callers got that 503.
      this.#log.error({ err, rows: rows.length }, 'request log write failed: its requests are answered 503');
      this.#onFlush?.((performance.now() - startedAt) / 1000, rows.length, false);
      const refusal = new RequestNotRecorded('write_failed', { cause: err });
      for (const w of batch) w.stored.reject(refusal);
      return;
    }
    this.#onFlush?.((performance.now() - startedAt) / 1000, rows.length, true);
    for (const w of batch) w.stored.resolve();
    if (this.#refused > 0) {
      this.#log.warn({ refused: this.#refused }, 'request log queue has room again');
      this.#refused = 0;
    }
  }
}

/** The order of migration 0023's rollup key (tenant, UTC day, surface, app, user), ids and digits compared as text. */
function rollupKey(row: RequestLogTable): string {
  const day = Math.floor(row.occurred_at / 86_400_000)
    .toString()
    .padStart(8, '0');
  return `${row.tenant_id}\u0000${day}\u0000${row.surface}\u0000${row.app_id ?? ''}\u0000${row.user_id ?? ''}`;
}

function byRollupKey(a: RequestLogTable, b: RequestLogTable): number {
  const x = rollupKey(a);
  const y = rollupKey(b);
  return x < y ? -1 : x > y ? 1 : 0;
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
