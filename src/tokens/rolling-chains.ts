import type { KoaContextWithOIDC } from 'oidc-provider';

/*
 * SPEC §10, R2 (reference §3.1 step 5, §3.2): a refresh-token chain rolls. Every redemption returns
 * a new refresh token valid for 90 more days, so a chain lives for as long as it is redeemed at
 * least every 90 days, with no absolute cap; one unused for 90 days expires (AADSTS700082,
 * refresh-chain-answers.ts).
 */

/** A refresh token's lifetime: 90 days from its issue, i.e. from the chain's last redemption. */
export const REFRESH_TOKEN_TTL_S = 90 * 24 * 3600;

/**
 * The chain's grant outlives its newest refresh token by a day, so the grant never ends a chain
 * that is still in use; each redemption renews it (keepGrantAlive).
 */
export const GRANT_TTL_S = REFRESH_TOKEN_TTL_S + 24 * 3600;

/**
 * Renews the grant of the chain being redeemed (oidc-provider's `rotateRefreshToken` hook runs
 * once the token, client, grant and account are checked, before the rotation). oidc-provider
 * reads expiry off `Date` (seconds), as it stamps the grant's `exp`.
 */
export async function keepGrantAlive(ctx: KoaContextWithOIDC): Promise<void> {
  const grant = ctx.oidc.entities.Grant as { exp?: number; save(): Promise<string> } | undefined;
  if (!grant) return;
  grant.exp = Math.floor(Date.now() / 1000) + GRANT_TTL_S;
  await grant.save();
}
