import type { Clock } from '../clock.ts';
import type { Db } from '../storage/database.ts';
import { liveRevocations, type Revocation } from './revocations.ts';

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
  #grants = new Set<string>();
  #users = new Map<string, number>();
  #loadedAt = Number.NEGATIVE_INFINITY;
  #loading: Promise<void> | undefined;

  constructor(db: Db, clock: Clock, options: { refreshMs?: number | undefined } = {}) {
    this.#db = db;
    this.#clock = clock;
    this.#refreshMs = options.refreshMs ?? DEFAULT_REFRESH_MS;
  }

  /** Whether the token no longer counts. */
  async revokes(token: RevocableToken): Promise<boolean> {
    if (this.#clock.now() - this.#loadedAt >= this.#refreshMs) await this.refresh();
    return revokedBy(this.#grants, this.#users, token);
  }

  /** Reads the list from the database now (concurrent callers share one read). */
  refresh(): Promise<void> {
    this.#loading ??= this.#load().finally(() => {
      this.#loading = undefined;
    });
    return this.#loading;
  }

  async #load(): Promise<void> {
    const startedAt = this.#clock.now();
    const { grants, users } = indexed(await liveRevocations(this.#db, startedAt));
    this.#grants = grants;
    this.#users = users;
    this.#loadedAt = startedAt;
  }
}

function key(tenantId: string, subject: string): string {
  return `${tenantId} ${subject}`;
}

function indexed(revocations: readonly Revocation[]) {
  const grants = new Set<string>();
  const users = new Map<string, number>();
  for (const r of revocations) {
    if (r.kind === 'grant') grants.add(key(r.tenantId, r.subject));
    else users.set(key(r.tenantId, r.subject), r.revokedAt);
  }
  return { grants, users };
}

/**
 * The matching rule. A grant's revocation covers every token of the grant. A user's covers the
 * tokens issued before it: `iat` has whole seconds, so a token issued in the same second as the
 * revocation, before or after it, is covered too (fail closed: at most a second's tokens are
 * refused needlessly, none is let through).
 */
function revokedBy(grants: ReadonlySet<string>, users: ReadonlyMap<string, number>, token: RevocableToken) {
  if (token.grant !== undefined && grants.has(key(token.tenantId, token.grant))) return true;
  if (token.userId === undefined) return false;
  const revokedAt = users.get(key(token.tenantId, token.userId));
  return revokedAt !== undefined && token.issuedAt * 1000 <= revokedAt;
}

/** The matching rule alone, over a list as the database holds it (for the rule's own test). */
export function isRevoked(revocations: readonly Revocation[], token: RevocableToken): boolean {
  const { grants, users } = indexed(revocations);
  return revokedBy(grants, users, token);
}
