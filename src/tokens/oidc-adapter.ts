import { createHash } from 'node:crypto';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import { errors } from 'oidc-provider';
import { purgeRevocations, revokeGrantTokens } from '../sessions/revocations.ts';
import type { Db } from '../storage/database.ts';

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

export class KyselyOidcAdapter implements Adapter {
  readonly #db: Db;
  readonly #tenantId: string;
  readonly #model: string;

  constructor(db: Db, tenantId: string, model: string) {
    this.#db = db;
    this.#tenantId = tenantId;
    this.#model = model;
  }

  #scope() {
    return this.#db
      .selectFrom('oidc_payloads')
      .select(['payload', 'expires_at', 'consumed_at'])
      .where('tenant_id', '=', this.#tenantId)
      .where('model', '=', this.#model);
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
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
      expires_at: expiresIn ? Date.now() + expiresIn * 1000 + (KEPT_AFTER_EXPIRY_MS[this.#model] ?? 0) : null,
      consumed_at: null,
    };
    await this.#db
      .insertInto('oidc_payloads')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['tenant_id', 'model', 'id']).doUpdateSet({
          payload: row.payload,
          grant_id: row.grant_id,
          user_code: row.user_code,
          uid: row.uid,
          expires_at: row.expires_at,
        }),
      )
      .execute();
  }

  #revive(
    row: { payload: string; expires_at: number | null; consumed_at: number | null } | undefined,
    id?: string,
  ) {
    if (!row) return undefined;
    if (row.expires_at !== null && row.expires_at <= Date.now()) return undefined;
    const stored = JSON.parse(row.payload) as AdapterPayload;
    const payload =
      id !== undefined && VALUE_IS_JTI.has(this.#model) && stored.jti === undefined
        ? { ...stored, jti: id }
        : stored;
    return row.consumed_at === null ? payload : { ...payload, consumed: Math.floor(row.consumed_at / 1000) };
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.#revive(await this.#scope().where('id', '=', keyOf(id)).executeTakeFirst(), id);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.#revive(await this.#scope().where('user_code', '=', userCode).executeTakeFirst());
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.#revive(await this.#scope().where('uid', '=', uid).executeTakeFirst());
  }

  /**
   * Marks a code or refresh token used. The UPDATE only succeeds on an unused row, so when two
   * instances redeem the same token at once exactly one wins; the loser is treated as a replay
   * (RFC 9700 §4.14.2): the whole grant is revoked and the request fails with invalid_grant.
   */
  async consume(id: string): Promise<void> {
    const result = await this.#db
      .updateTable('oidc_payloads')
      .set({ consumed_at: Date.now() })
      .where('tenant_id', '=', this.#tenantId)
      .where('model', '=', this.#model)
      .where('id', '=', keyOf(id))
      .where('consumed_at', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 1) return;
    const row = await this.#db
      .selectFrom('oidc_payloads')
      .select('grant_id')
      .where('tenant_id', '=', this.#tenantId)
      .where('model', '=', this.#model)
      .where('id', '=', keyOf(id))
      .executeTakeFirst();
    if (row?.grant_id) await this.revokeByGrantId(row.grant_id);
    throw new errors.InvalidGrant(
      `${this.#model === 'RefreshToken' ? 'refresh token' : 'grant'} already used`,
    );
  }

  async destroy(id: string): Promise<void> {
    await this.#db
      .deleteFrom('oidc_payloads')
      .where('tenant_id', '=', this.#tenantId)
      .where('model', '=', this.#model)
      .where('id', '=', keyOf(id))
      .execute();
  }

  /**
   * Ends a grant: its stored codes and tokens go, and — since its access tokens are JWTs nothing
   * stores — the revocation list records it, so the APIs refuse them within seconds instead of
   * for the rest of their hour. oidc-provider calls this (once per model) on a replayed code or
   * refresh token, a revoked refresh token (RFC 7009 §2.1) and a logout; `consume` on a lost race.
   */
  async revokeByGrantId(grantId: string): Promise<void> {
    // The revocation first: should the delete fail after it, the grant's tokens are refused
    // anyway; the other way round, a failure would leave its access tokens valid for their hour
    // with nothing left to revoke them by (a retried replay meets invalid_grant).
    await revokeGrantTokens(this.#db, this.#tenantId, grantId);
    await this.#db
      .deleteFrom('oidc_payloads')
      .where('tenant_id', '=', this.#tenantId)
      .where('grant_id', '=', grantId)
      .execute();
  }
}

/** Deletes protocol rows past their expiry; run periodically. */
export async function purgeExpired(db: Db, now = Date.now()): Promise<void> {
  await db.deleteFrom('oidc_payloads').where('expires_at', '<', now).execute();
  await db.deleteFrom('sign_in_flows').where('expires_at', '<', now).execute();
  await purgeRevocations(db, now);
}
