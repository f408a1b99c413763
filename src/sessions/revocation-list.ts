import type { Clock } from '../clock.ts';
import type { Db } from '../storage/database.ts';
import { liveRevocations, REVOCATION_KEPT_MS, type Revocation } from './revocations.ts';

/** What of a verified access token a revocation can match. */
export interface RevocableToken {
  tenantId: string;
  /** The user (`oid`) of an App+User token. */
  userId?: string | undefined;
  /** The grant reference (`gid`) of an App+User token. */
  grant?: string | undefined;
  /** `iat`, in seconds. */
  issuedAt: number;
}

/** How often each instance reads the list again: revocations reach every gate within this. */
export const DEFAULT_REFRESH_MS = 2_000;

/**
 * A refresh reads only the rows made since the newest it has seen, less this margin: a row is
 * stamped before its transaction commits (bounded by the statement timeout) and instances' clocks
 * differ a little, so a row may appear with a time just before rows already read.
 */
const OVERLAP_MS = 60_000;
/** And the whole list is read again this often, so nothing a margin missed stays missed. */
const FULL_READ_MS = 5 * 60_000;

/**
 * The revocation list as the gates consult it (both the Partner API's and Graph's): the
 * database's rows (revocations.ts) held in memory and read again once they are older than
 * `refreshMs` on Warden's clock, so a revocation made by any instance reaches every instance's
 * gates within seconds while a request costs two map lookups. The refresh is awaited by the
 * request that finds the copy stale (one read at a time, shared): a stale copy is never used
 * past its age, and a failed read fails the request rather than admitting it (fail closed).
 */
export class RevocationList {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #refreshMs: number;
  /** grant key → when its revocation expires. */
  #grants = new Map<string, number>();
  /** user key → the newest cut-off and when it expires. */
  #users = new Map<string, { revokedAt: number; expiresAt: number }>();
  #loadedAt = Number.NEGATIVE_INFINITY;
  #fullAt = Number.NEGATIVE_INFINITY;
  /** The newest revocation time read so far (incremental reads start just before it). */
  #newest = Number.NEGATIVE_INFINITY;
  #loading: Promise<void> | undefined;

  constructor(db: Db, clock: Clock, options: { refreshMs?: number | undefined } = {}) {
    this.#db = db;
    this.#clock = clock;
    this.#refreshMs = options.refreshMs ?? DEFAULT_REFRESH_MS;
  }

  /** Whether the token no longer counts. */
  async revokes(token: RevocableToken): Promise<boolean> {
    if (this.#clock.now() - this.#loadedAt >= this.#refreshMs) await this.refresh();
    if (token.grant !== undefined && this.#grants.has(key(token.tenantId, token.grant))) return true;
    if (token.userId === undefined) return false;
    const cut = this.#users.get(key(token.tenantId, token.userId));
    return cut !== undefined && covers(cut.revokedAt, token);
  }

  /** Reads the list from the database now (concurrent callers share one read). */
  refresh(): Promise<void> {
    this.#loading ??= this.#load().finally(() => {
      this.#loading = undefined;
    });
    return this.#loading;
  }

  /**
   * One read: every live row at first and every FULL_READ_MS, else only the rows made since the
   * newest seen (less OVERLAP_MS), merged in; expired entries are dropped. A reload costs what was
   * revoked lately, not the size of the list.
   */
  async #load(): Promise<void> {
    const startedAt = this.#clock.now();
    const full = startedAt - this.#fullAt >= FULL_READ_MS;
    const rows = await liveRevocations(this.#db, startedAt, full ? undefined : this.#newest - OVERLAP_MS);
    const grants = full ? new Map<string, number>() : this.#grants;
    const users = full ? new Map<string, { revokedAt: number; expiresAt: number }>() : this.#users;
    for (const r of rows) {
      const expiresAt = r.revokedAt + REVOCATION_KEPT_MS;
      const at = key(r.tenantId, r.subject);
      if (r.kind === 'grant') grants.set(at, expiresAt);
      else if ((users.get(at)?.revokedAt ?? Number.NEGATIVE_INFINITY) < r.revokedAt)
        users.set(at, { revokedAt: r.revokedAt, expiresAt });
      // A writer whose clock runs fast must not move the incremental floor past rows that correctly
      // timed instances write next: the floor never runs ahead of this reader's clock.
      const seen = Math.min(r.revokedAt, startedAt);
      if (seen > this.#newest) this.#newest = seen;
    }
    if (!full) {
      for (const [at, expiresAt] of grants) if (expiresAt <= startedAt) grants.delete(at);
      for (const [at, cut] of users) if (cut.expiresAt <= startedAt) users.delete(at);
    } else {
      this.#fullAt = startedAt;
    }
    this.#grants = grants;
    this.#users = users;
    this.#loadedAt = startedAt;
  }

  /** Entries held in memory (for tests and metrics). */
  get size(): number {
    return this.#grants.size + this.#users.size;
  }
}

function key(tenantId: string, subject: string): string {
  return `${tenantId} ${subject}`;
}

/**
 * The matching rule of a user's revocation: it covers the tokens issued before it. `iat` has whole
 * seconds, so a token issued in the same second as the revocation, before or after it, is covered
 * too (fail closed: at most a second's tokens are refused needlessly, none is let through).
 */
function covers(revokedAt: number, token: RevocableToken): boolean {
  return token.issuedAt * 1000 <= revokedAt;
}

/** The matching rule alone, over a list as the database holds it (for the rule's own test). */
export function isRevoked(revocations: readonly Revocation[], token: RevocableToken): boolean {
  return revocations.some((r) =>
    r.tenantId !== token.tenantId
      ? false
      : r.kind === 'grant'
        ? token.grant !== undefined && r.subject === token.grant
        : token.userId !== undefined && r.subject === token.userId && covers(r.revokedAt, token),
  );
}
