import type { Logger } from 'pino';
import type { Db } from '../storage/database.ts';
import type { ServicePrincipalSignInTable } from '../storage/schema.ts';

/** Rows written by one INSERT, and how many waiting rows start a write without waiting for the timer. */
const BATCH_SIZE = 100;
/** How long a row may wait for company before its batch is written. */
const INTERVAL_MS = 1000;
/** Rows held in memory at most; past it the oldest are dropped (and counted) so memory stays bounded. */
const MAX_BUFFERED = 10_000;

/**
 * The service-principal sign-in log's writer (issue 12 item 5). Unlike the request log
 * (src/reports/request-log.ts), whose rows must be committed before the answer goes out, these
 * rows never hold up the token endpoint: `record()` only appends to a buffer in memory, and the
 * buffer is written by one multi-row INSERT when it holds `batchSize` rows or a row has waited
 * `intervalMs`, one write at a time. A failed write is logged and its rows are given up; it never
 * reaches a request. The buffer is bounded: past `maxBuffered` rows the oldest are dropped, and the
 * count is logged. Graceful shutdown calls `close()` (src/http/server.ts), which writes what is left.
 */
export class ServicePrincipalSignInWriter {
  readonly #db: Db;
  readonly #log: Logger;
  readonly #batchSize: number;
  readonly #intervalMs: number;
  readonly #maxBuffered: number;
  #buffer: ServicePrincipalSignInTable[] = [];
  /** Rows at the head of the buffer that are due now (their time is up, or a flush asked for them). */
  #due = 0;
  #writing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** Rows dropped since the last successful write (logged when dropping starts and when it ends). */
  #dropped = 0;
  readonly #onRecord: ((errorCode: number) => void) | undefined;

  constructor(
    db: Db,
    log: Logger,
    options: {
      batchSize?: number;
      intervalMs?: number;
      maxBuffered?: number;
      /** Each row as it is recorded (issue 16 item 2: sign-ins by AADSTS code). */
      onRecord?: (errorCode: number) => void;
    } = {},
  ) {
    this.#db = db;
    this.#log = log;
    this.#onRecord = options.onRecord;
    this.#batchSize = options.batchSize ?? BATCH_SIZE;
    this.#intervalMs = options.intervalMs ?? INTERVAL_MS;
    this.#maxBuffered = options.maxBuffered ?? MAX_BUFFERED;
  }

  /** Rows waiting in memory (not counting a batch being written). */
  get buffered(): number {
    return this.#buffer.length;
  }

  /** Queues a row; returns at once and never throws. */
  record(row: ServicePrincipalSignInTable): void {
    this.#onRecord?.(row.error_code);
    if (this.#buffer.length >= this.#maxBuffered) {
      this.#buffer.shift();
      if (this.#due > 0) this.#due--;
      // Logged once when dropping starts; the total is logged once a write succeeds again.
      if (this.#dropped++ === 0)
        this.#log.error(
          { buffered: this.#buffer.length },
          'service-principal sign-in log buffer full: the oldest rows are dropped',
        );
    }
    this.#buffer.push(row);
    if (this.#buffer.length >= this.#batchSize) this.#start();
    else this.#timer ??= setTimeout(() => this.#timeUp(), this.#intervalMs).unref();
  }

  /** Writes every row recorded so far; resolves when they are stored or their write failed (logged). */
  async flush(): Promise<void> {
    this.#due = this.#buffer.length;
    while (this.#writing || Math.min(this.#due, this.#buffer.length) > 0) await this.#start();
  }

  /** Graceful shutdown: no timer is left behind; resolves when every recorded row is written. */
  async close(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }

  #timeUp(): void {
    this.#timer = undefined;
    this.#due = this.#buffer.length;
    void this.#start();
  }

  /** The write under way, or a new one when rows are due or a full batch waits. */
  #start(): Promise<void> {
    this.#writing ??= this.#writeDue().finally(() => {
      this.#writing = undefined;
      // Rows that arrived during the last write and are not a full batch wait for the timer.
      if (this.#buffer.length > 0) this.#timer ??= setTimeout(() => this.#timeUp(), this.#intervalMs).unref();
    });
    return this.#writing;
  }

  async #writeDue(): Promise<void> {
    for (;;) {
      this.#due = Math.min(this.#due, this.#buffer.length);
      const take =
        this.#buffer.length >= this.#batchSize ? this.#batchSize : Math.min(this.#due, this.#buffer.length);
      if (take === 0) return;
      if (this.#timer && take === this.#buffer.length) {
        clearTimeout(this.#timer);
        this.#timer = undefined;
      }
      const rows = this.#buffer.splice(0, take);
      this.#due = Math.max(0, this.#due - take);
      await this.#store(rows);
    }
  }

  async #store(rows: ServicePrincipalSignInTable[]): Promise<void> {
    try {
      await this.#db.insertInto('service_principal_sign_ins').values(rows).execute();
    } catch (err) {
      this.#log.error({ err, rows: rows.length }, 'service-principal sign-in log write failed: rows lost');
      return;
    }
    if (this.#dropped > 0) {
      this.#log.warn({ dropped: this.#dropped }, 'service-principal sign-in log buffer has room again');
      this.#dropped = 0;
    }
  }
}
