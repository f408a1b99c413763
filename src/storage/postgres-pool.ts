import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import pg from 'pg';
import { asUnavailable, DatabaseUnavailable, unavailableReason } from './unavailable.ts';

export interface PostgresTimeouts {
  /** A connection: a new one, or a free one of the full pool (pg's connectionTimeoutMillis). */
  connectTimeoutMs: number;
  /** A statement, lock waits included; 0 for none (migrations). */
  statementTimeoutMs: number;
}

/**
 * The client gives up this long after the server should have cancelled the statement itself:
 * only a server that does not answer at all (frozen, partitioned) reaches it.
 */
const CLIENT_MARGIN_MS = 1_000;

/** What a pool holds now (issue 16 item 2: the metrics' pool gauges). */
export interface PoolCounts {
  total: number;
  idle: number;
  waiting: number;
  max: number;
}

/**
 * node-postgres' pool as Kysely sees it, bounded in time (issue 9 item 7): the server cancels a
 * statement after `statementTimeoutMs` (statement_timeout), the client stops waiting for a server
 * that does not answer a little later, and a connection is not waited for longer than
 * `connectTimeoutMs`. Those failures leave as DatabaseUnavailable. A connection whose query the
 * client gave up on may still be inside a transaction on the server: it is closed, not reused.
 */
export function postgresPool(
  connectionString: string,
  timeouts: PostgresTimeouts,
  options: { max: number; onIdleError?: (error: Error) => void },
): PostgresPool & { counts(): PoolCounts } {
  const pool = new pg.Pool({
    connectionString,
    max: options.max,
    connectionTimeoutMillis: timeouts.connectTimeoutMs,
    ...(timeouts.statementTimeoutMs > 0
      ? {
          statement_timeout: timeouts.statementTimeoutMs,
          query_timeout: timeouts.statementTimeoutMs + CLIENT_MARGIN_MS,
        }
      : {}),
    // TCP keepalive notices a peer that vanished without closing the connection.
    keepAlive: true,
  });
  // An idle client that loses its server (restart, failover) emits 'error'; without a listener
  // that would end the process. The pool replaces the client on next use.
  pool.on('error', (error) => options.onIdleError?.(error));
  return {
    async connect(): Promise<PostgresPoolClient> {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw asUnavailable(error);
      }
      let discard = false;
      const query = async <R>(sql: string, parameters: ReadonlyArray<unknown>) => {
        // Not even the rollback: the server rolls back when the connection closes.
        if (discard) throw new DatabaseUnavailable('unreachable');
        try {
          return (await client.query(sql, parameters as unknown[])) as unknown as PostgresQueryResult<R>;
        } catch (error) {
          const reason = unavailableReason(error);
          // A statement the server cancelled (statement or lock timeout) leaves a healthy
          // connection; after any other unavailability its state is unknown.
          const code = (error as { code?: unknown }).code;
          if (reason && code !== '57014' && code !== '55P03') discard = true;
          throw asUnavailable(error);
        }
      };
      return {
        query: ((sqlOrCursor: string | PostgresCursor<unknown>, parameters?: ReadonlyArray<unknown>) =>
          typeof sqlOrCursor === 'string'
            ? query(sqlOrCursor, parameters ?? [])
            : client.query(sqlOrCursor as never)) as PostgresPoolClient['query'],
        // pg-pool closes a client released with an error instead of pooling it again.
        release: () => client.release(discard ? new Error('discarded after an unanswered query') : undefined),
      };
    },
    end: () => pool.end(),
    counts: () => ({
      total: pool.totalCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
      max: options.max,
    }),
  };
}
