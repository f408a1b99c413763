/**
 * "The database cannot answer now": it did not answer within the configured timeouts, cannot be
 * reached, or (SQLite) another process held its write lock for longer than the busy timeout.
 * It passes, so every surface answers 503 with Retry-After instead of 500 (issue 9 item 7); the
 * drivers' errors are turned into this one type where they leave storage (postgres-pool.ts,
 * sqlite-dialect.ts).
 */
export type UnavailableReason = 'timeout' | 'unreachable' | 'busy';

export class DatabaseUnavailable extends Error {
  readonly reason: UnavailableReason;
  constructor(reason: UnavailableReason, cause?: unknown) {
    super(`the database is unavailable (${reason})`, { cause });
    this.name = 'DatabaseUnavailable';
    this.reason = reason;
  }
}

/** SQLSTATEs that mean "not now" rather than "wrong" (PostgreSQL, Appendix A). */
const POSTGRES_STATES: Record<string, UnavailableReason> = {
  '57014': 'timeout', // query_canceled: statement_timeout ran out
  '55P03': 'timeout', // lock_not_available: lock_timeout ran out
  '57P01': 'unreachable', // admin_shutdown
  '57P02': 'unreachable', // crash_shutdown
  '57P03': 'unreachable', // cannot_connect_now: starting up or in recovery
  '53300': 'unreachable', // too_many_connections
};

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** What node-postgres and its pool throw when a timeout of theirs runs out or the socket is gone. */
const PG_CLIENT_MESSAGES: [RegExp, UnavailableReason][] = [
  [/^Query read timeout$/, 'timeout'],
  [/^timeout exceeded when trying to connect$/, 'timeout'],
  [/^Connection terminated/, 'unreachable'],
  [/is not queryable$/, 'unreachable'],
];

const SQLITE_BUSY = 5;

/** Why `error` means the database is unavailable, or undefined when it is another failure. */
export function unavailableReason(error: unknown): UnavailableReason | undefined {
  if (error instanceof DatabaseUnavailable) return error.reason;
  const e = error as { code?: unknown; errcode?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return undefined;
  if (typeof e.code === 'string') {
    const state = POSTGRES_STATES[e.code];
    if (state) return state;
    // Class 08: connection exceptions.
    if (/^08[0-9A-Z]{3}$/.test(e.code) || NETWORK_CODES.has(e.code)) return 'unreachable';
  }
  // node:sqlite: SQLITE_BUSY and its extended codes (the low byte is the primary code).
  if (typeof e.errcode === 'number' && (e.errcode & 0xff) === SQLITE_BUSY) return 'busy';
  if (typeof e.message === 'string') {
    for (const [pattern, reason] of PG_CLIENT_MESSAGES) if (pattern.test(e.message)) return reason;
  }
  return undefined;
}

/** The error as DatabaseUnavailable when it means that, else unchanged. */
export function asUnavailable(error: unknown): unknown {
  if (error instanceof DatabaseUnavailable) return error;
  const reason = unavailableReason(error);
  return reason ? new DatabaseUnavailable(reason, error) : error;
}

/**
 * Runs `attempt` again while it fails because another process holds SQLite's write lock (each
 * attempt already waited the busy timeout), until `deadline` (epoch ms).
 */
export async function retryWhileBusy<T>(attempt: () => Promise<T>, deadline: number): Promise<T> {
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (unavailableReason(error) !== 'busy' || Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
