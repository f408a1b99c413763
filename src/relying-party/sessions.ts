import { createHash, randomBytes } from 'node:crypto';
import { hasMfaProof } from '../policy/mfa-proof.ts';
import type { Db } from '../storage/database.ts';
import type { FirstPartySite } from '../storage/schema.ts';

export type { FirstPartySite };

/**
 * A signed-in session of a first-party site (Partner Center, the customer admin center, the
 * Security info page). `mfa` is the proof of SPEC §3 taken from the ID token's `amr`.
 */
export interface DashboardSession {
  idHash: string;
  site: FirstPartySite;
  tenantId: string;
  userId: string;
  amr: string[];
  mfa: boolean;
  authTime: number;
  csrf: string;
  expiresAt: number;
}

/** A dashboard session lasts a working day at most; then the user signs in again. */
export const SESSION_TTL_MS = 12 * 3600 * 1000;

function hashOf(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

/**
 * The first-party sites' sessions in storage (table `dashboard_sessions`, shared by every
 * instance; each site keeps its own cookie, and revoking a user's sessions ends them all). The
 * browser holds a random id; only its hash is stored, so a leaked table cannot be replayed as
 * cookies.
 */
export class DashboardSessions {
  readonly #db: Db;
  constructor(db: Db) {
    this.#db = db;
  }

  /** Starts a new session (a new id at every sign-in and step-up: no session fixation). */
  async start(
    input: { site: FirstPartySite; tenantId: string; userId: string; amr: string[]; authTime: number },
    now: number,
    ttlMs = SESSION_TTL_MS,
  ): Promise<{ cookieValue: string; session: DashboardSession }> {
    const cookieValue = randomBytes(32).toString('base64url');
    const session: DashboardSession = {
      idHash: hashOf(cookieValue),
      site: input.site,
      tenantId: input.tenantId,
      userId: input.userId,
      amr: input.amr,
      mfa: hasMfaProof(input.amr),
      authTime: input.authTime,
      csrf: randomBytes(24).toString('base64url'),
      expiresAt: now + ttlMs,
    };
    await this.#db
      .insertInto('dashboard_sessions')
      .values({
        id_hash: session.idHash,
        site: session.site,
        tenant_id: session.tenantId,
        user_id: session.userId,
        amr: JSON.stringify(session.amr),
        auth_time: session.authTime,
        csrf: session.csrf,
        created_at: now,
        expires_at: session.expiresAt,
      })
      .execute();
    return { cookieValue, session };
  }

  /** The session a cookie of `site` holds; another site's session is none (a cookie copied across). */
  async find(
    cookieValue: string | undefined,
    site: FirstPartySite,
    now: number,
  ): Promise<DashboardSession | undefined> {
    if (!cookieValue || cookieValue.length > 128) return undefined;
    const row = await this.#db
      .selectFrom('dashboard_sessions')
      .selectAll()
      .where('id_hash', '=', hashOf(cookieValue))
      .where('site', '=', site)
      .executeTakeFirst();
    if (!row || Number(row.expires_at) <= now) return undefined;
    const amr = JSON.parse(row.amr) as string[];
    return {
      idHash: row.id_hash,
      site: row.site,
      tenantId: row.tenant_id,
      userId: row.user_id,
      amr,
      mfa: hasMfaProof(amr),
      authTime: Number(row.auth_time),
      csrf: row.csrf,
      expiresAt: Number(row.expires_at),
    };
  }

  async end(session: Pick<DashboardSession, 'idHash'>): Promise<void> {
    await this.#db.deleteFrom('dashboard_sessions').where('id_hash', '=', session.idHash).execute();
  }

  async purgeExpired(now: number): Promise<void> {
    await this.#db.deleteFrom('dashboard_sessions').where('expires_at', '<=', now).execute();
  }
}
