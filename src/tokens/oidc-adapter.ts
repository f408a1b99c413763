import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import { errors } from 'oidc-provider';
import { type Clock, systemClock } from '../clock.ts';
import { endProtocolRows, payloadAccountId } from '../sessions/protocol-rows.ts';
import { purgeRevocations, revokeGrantTokens } from '../sessions/revocations.ts';
import type { Db } from '../storage/database.ts';
import { accountAtAuthority, CHAIN_MODELS } from './chain-across-authorities.ts';

/**
 * oidc-provider's storage adapter over Kysely, one instance per (tenant, model): every query
 * carries the tenant id of the authority it serves (STYLE 5). `Client` is handled apart
 * (see clients.ts) because clients live in the directory, not in protocol state.
 */
/**
 * Codes, refresh tokens and session ids are bearer secrets: rows are keyed by their SHA-256, so
 * a copy of the database holds no usable token (STYLE 8: hash what you only compare).
 */
function keyOf(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

/**
 * For these models the `jti` in the payload is the token value itself; it is not stored, and is
 * restored from the presented value on find. (Sessions and device codes are also found by uid or
 * user code, where the value is not at hand, so they keep it.)
 */
const VALUE_IS_JTI = new Set(['AuthorizationCode', 'RefreshToken', 'AccessToken', 'ClientCredentials']);

/**
 * Rows oidc-provider must still find after they expired (it checks expiry itself): a device that
 * polls with an expired device code is told `expired_token` (RFC 8628 §3.5), not "not found".
 */
const KEPT_AFTER_EXPIRY_MS: Record<string, number> = { DeviceCode: 3_600_000 };

/**
 * SPEC §10: how long a refresh token nobody used is kept past its expiry, unusable (oidc-provider
 * never sees it), so that the client coming back is told AADSTS700082 — expired through inactivity,
 * issued when, inactive for how long (tokens/refresh-chain-answers.ts) — rather than "not found".
 */
export const INACTIVE_REFRESH_TOKEN_KEPT_MS = 90 * 24 * 3600 * 1000;
const KEPT_UNUSABLE_MS: Record<string, number> = { RefreshToken: INACTIVE_REFRESH_TOKEN_KEPT_MS };

/** A stored row as the adapter reads it. */
export interface ProtocolRow {
  tenant_id: string;
  payload: string;
  expires_at: number | null;
  consumed_at: number | null;
  revoked_at: number | null;
}

/**
 * Until when a row's token is usable: the stored expiry, less what an unused refresh token is kept
 * past it (a used one is not kept: `consume`). Refresh tokens expire on Warden's clock (SPEC §10
 * is a lifecycle: tests move the clock by 90 days).
 */
export function usableUntil(
  model: string,
  row: Pick<ProtocolRow, 'expires_at' | 'consumed_at'>,
): number | null {
  if (row.expires_at === null) return null;
  return row.consumed_at === null ? row.expires_at - (KEPT_UNUSABLE_MS[model] ?? 0) : row.expires_at;
}

export class KyselyOidcAdapter implements Adapter {
  readonly #db: Db;
  readonly #tenantId: string;
  readonly #model: string;
  readonly #clock: Clock;

  constructor(db: Db, tenantId: string, model: string, clock: Clock = systemClock) {
    this.#db = db;
    this.#tenantId = tenantId;
    this.#model = model;
    this.#clock = clock;
  }

  /** Refresh tokens live on Warden's clock (SPEC §10); oidc-provider's other state on Date, as it does. */
  #now(): number {
    return this.#model in KEPT_UNUSABLE_MS ? this.#clock.now() : Date.now();
  }

  #scope() {
    return this.#db
      .selectFrom('oidc_payloads')
      .select(['tenant_id', 'payload', 'expires_at', 'consumed_at', 'revoked_at'])
      .where('model', '=', this.#model);
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    const kept = (KEPT_AFTER_EXPIRY_MS[this.#model] ?? 0) + (KEPT_UNUSABLE_MS[this.#model] ?? 0);
    const row = {
      tenant_id: this.#tenantId,
      model: this.#model,
      id: keyOf(id),
      payload: JSON.stringify(
        VALUE_IS_JTI.has(this.#model) && payload.jti === id ? { ...payload, jti: undefined } : payload,
      ),
      grant_id: payload.grantId ?? null,
      user_code: payload.userCode ?? null,
      uid: payload.uid ?? null,
      account_id: payloadAccountId(payload),
      expires_at: expiresIn ? this.#now() + expiresIn * 1000 + kept : null,
      consumed_at: null,
      revoked_at: null,
    };
    if (this.#model === 'ReplayDetection') return this.#recordOnce(row);
    await this.#db
      .insertInto('oidc_payloads')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['tenant_id', 'model', 'id']).doUpdateSet({
          payload: row.payload,
          grant_id: row.grant_id,
          user_code: row.user_code,
          uid: row.uid,
          account_id: row.account_id,
          expires_at: row.expires_at,
        }),
      )
      .execute();
  }

  /**
   * RFC 7523 §3 (7): a client assertion's `jti` is accepted once. oidc-provider looks it up, then
   * saves it; two instances (or two requests) presenting the same assertion at once could both
   * find nothing, so the database settles it: the insert succeeds only if no unexpired row has
   * that key (an expired one is replaced), and the loser is refused as a replay.
   */
  async #recordOnce(row: {
    tenant_id: string;
    model: string;
    id: string;
    payload: string;
    expires_at: number | null;
  }): Promise<void> {
    const now = this.#now();
    const result = await this.#db
      .insertInto('oidc_payloads')
      .values({ ...row, grant_id: null, user_code: null, uid: null, consumed_at: null, revoked_at: null })
      .onConflict((oc) =>
        oc
          .columns(['tenant_id', 'model', 'id'])
          .doUpdateSet({ payload: row.payload, expires_at: row.expires_at })
          .where('oidc_payloads.expires_at', '<=', now),
      )
      .executeTakeFirst();
    if (Number(result.numInsertedOrUpdatedRows ?? 0) === 0)
      throw new errors.InvalidClientAuth('client assertion tokens must only be used once');
  }

  #revive(row: ProtocolRow | undefined, id?: string) {
    if (!row || row.revoked_at !== null) return undefined;
    const until = usableUntil(this.#model, row);
    if (until !== null && until <= this.#now()) return undefined;
    const stored = JSON.parse(row.payload) as AdapterPayload;
    const payload =
      id !== undefined && VALUE_IS_JTI.has(this.#model) && stored.jti === undefined
        ? { ...stored, jti: id }
        : stored;
    // A chain's row held by another authority, seen as this authority's account of the same person.
    if (row.tenant_id !== this.#tenantId && typeof payload.accountId === 'string')
      payload.accountId = accountAtAuthority(row.tenant_id, payload.accountId, this.#tenantId);
    return row.consumed_at === null ? payload : { ...payload, consumed: Math.floor(row.consumed_at / 1000) };
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const key = keyOf(id);
    if (!CHAIN_MODELS.has(this.#model))
      return this.#revive(
        await this.#scope().where('tenant_id', '=', this.#tenantId).where('id', '=', key).executeTakeFirst(),
        id,
      );
    // tokens/chain-across-authorities.ts: a chain's token or grant may be held by another authority,
    // and its grant by several (each renews its own copy): this authority's if usable, else the newest.
    const rows = await this.#scope()
      .where('id', '=', key)
      .orderBy(sql`case when tenant_id = ${this.#tenantId} then 0 else 1 end`)
      .orderBy('expires_at', 'desc')
      .limit(20)
      .execute();
    for (const row of rows) {
      const payload = this.#revive(row, id);
      if (payload) return payload;
    }
    return undefined;
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.#revive(
      await this.#scope()
        .where('tenant_id', '=', this.#tenantId)
        .where('user_code', '=', userCode)
        .executeTakeFirst(),
    );
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.#revive(
      await this.#scope().where('tenant_id', '=', this.#tenantId).where('uid', '=', uid).executeTakeFirst(),
    );
  }

  /** The authority holding the row of `key`: this one, or — for a chain's models — wherever it is. */
  async #holder(key: string): Promise<string> {
    if (!CHAIN_MODELS.has(this.#model)) return this.#tenantId;
    const row = await this.#db
      .selectFrom('oidc_payloads')
      .select('tenant_id')
      .where('model', '=', this.#model)
      .where('id', '=', key)
      .orderBy(sql`case when tenant_id = ${this.#tenantId} then 0 else 1 end`)
      .executeTakeFirst();
    return row?.tenant_id ?? this.#tenantId;
  }

  /**
   * Marks a code or refresh token used. The UPDATE only succeeds on an unused row, so when two
   * instances redeem the same token at once exactly one wins; the loser is treated as a replay
   * (RFC 9700 §4.14.2): the whole grant is revoked and the request fails with invalid_grant.
   * A used refresh token is not kept past its expiry (nothing will be answered about it then).
   */
  async consume(id: string): Promise<void> {
    const key = keyOf(id);
    const holder = await this.#holder(key);
    const kept = KEPT_UNUSABLE_MS[this.#model] ?? 0;
    const result = await this.#db
      .updateTable('oidc_payloads')
      .set({ consumed_at: this.#now(), ...(kept ? { expires_at: sql<number>`expires_at - ${kept}` } : {}) })
      .where('tenant_id', '=', holder)
      .where('model', '=', this.#model)
      .where('id', '=', key)
      .where('consumed_at', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 1) return;
    const row = await this.#db
      .selectFrom('oidc_payloads')
      .select('grant_id')
      .where('tenant_id', '=', holder)
      .where('model', '=', this.#model)
      .where('id', '=', key)
      .executeTakeFirst();
    if (row?.grant_id) await this.revokeByGrantId(row.grant_id);
    throw new errors.InvalidGrant(
      `${this.#model === 'RefreshToken' ? 'refresh token' : 'grant'} already used`,
    );
  }

  /**
   * A refresh token is kept as revoked (its later use answers AADSTS50173); anything else goes.
   * A chain's rows end wherever they are held: its one refresh token of that value, and every
   * authority's copy of its grant (each authority renews its own: rolling-chains.ts).
   */
  async destroy(id: string): Promise<void> {
    const key = keyOf(id);
    const here = !CHAIN_MODELS.has(this.#model);
    if (this.#model === 'RefreshToken') {
      await this.#db
        .updateTable('oidc_payloads')
        .set({ revoked_at: Date.now() })
        .where('model', '=', this.#model)
        .where('id', '=', key)
        .where('revoked_at', 'is', null)
        .execute();
      return;
    }
    await this.#db
      .deleteFrom('oidc_payloads')
      .where('model', '=', this.#model)
      .where('id', '=', key)
      .$if(here, (q) => q.where('tenant_id', '=', this.#tenantId))
      .execute();
  }

  /**
   * Ends a grant: its stored codes and tokens go, and — since its access tokens are JWTs nothing
   * stores — the revocation list records it, so the APIs refuse them within seconds instead of
   * for the rest of their hour. oidc-provider calls this (once per model) on a replayed code or
   * refresh token, a revoked refresh token (RFC 7009 §2.1) and a logout; `consume` on a lost race.
   * A chain's grant is one id at every authority the chain went to (chain-across-authorities.ts),
   * and it ends at all of them.
   */
  async revokeByGrantId(grantId: string): Promise<void> {
    const at = Date.now(); // the clock oidc-provider stamps `iat` with, which revocations are compared against
    const holders = await this.#db
      .selectFrom('oidc_payloads')
      .select('tenant_id')
      .distinct()
      .where('grant_id', '=', grantId)
      .execute();
    const tenants = new Set([this.#tenantId, ...holders.map((h) => h.tenant_id)]);
    // The revocation first: should the delete fail after it, the grant's tokens are refused
    // anyway; the other way round, a failure would leave its access tokens valid for their hour
    // with nothing left to revoke them by (a retried replay meets invalid_grant).
    for (const tenantId of tenants) await revokeGrantTokens(this.#db, tenantId, grantId, at);
    await endProtocolRows(this.#db, { grantIds: [grantId] }, at);
  }
}

/**
 * The stored row of a token value, whatever its state (expired, used, revoked): this authority's,
 * else — for a chain's models — the authority's that holds it. For answering about it, never for
 * using it (oidc-provider finds usable tokens through the adapter).
 */
export async function findProtocolRow(
  db: Db,
  tenantId: string,
  model: string,
  value: string,
): Promise<ProtocolRow | undefined> {
  let query = db
    .selectFrom('oidc_payloads')
    .select(['tenant_id', 'payload', 'expires_at', 'consumed_at', 'revoked_at'])
    .where('model', '=', model)
    .where('id', '=', keyOf(value));
  if (!CHAIN_MODELS.has(model)) query = query.where('tenant_id', '=', tenantId);
  return query.orderBy(sql`case when tenant_id = ${tenantId} then 0 else 1 end`).executeTakeFirst();
}

/** Deletes protocol rows past their expiry; run periodically. */
export async function purgeExpired(db: Db, now = Date.now()): Promise<void> {
  await db.deleteFrom('oidc_payloads').where('expires_at', '<', now).execute();
  await db.deleteFrom('sign_in_flows').where('expires_at', '<', now).execute();
  await purgeRevocations(db, now);
}
