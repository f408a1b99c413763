import type { Kysely, Migration } from 'kysely';

/**
 * SPEC §10, R2 (issue 12 item 1): refresh-token chains that roll for as long as they are used.
 *
 * - `revoked_at`: a refresh token of a revoked chain (an administrator's password reset, the user
 *   disabled, "revoke sessions", a replay, RFC 7009) is kept, unusable, until it would have
 *   expired, so presenting it is answered with AADSTS50173 and the time tokens are valid from,
 *   rather than "not found".
 * - `oidc_payloads_by_token`: the one refresh token chain of a user serves every authority the
 *   user may act at (the partner's own and, through GDAP, its customers'); a token or grant not
 *   held by the authority asked is looked up by its hashed id alone (tokens/chain-across-authorities.ts).
 * - `oidc_payloads_by_grant`: a grant ends everywhere its chain went (by grant id alone).
 */
export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('oidc_payloads').addColumn('revoked_at', 'bigint').execute();
    await db.schema
      .createIndex('oidc_payloads_by_token')
      .on('oidc_payloads')
      .columns(['id', 'model'])
      .execute();
    await db.schema.createIndex('oidc_payloads_by_grant').on('oidc_payloads').columns(['grant_id']).execute();
  },
};
