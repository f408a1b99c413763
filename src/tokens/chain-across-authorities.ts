import {
  parseServiceProviderAccountId,
  serviceProviderAccountId,
} from '../sessions/service-provider-account.ts';

/*
 * One refresh-token chain, every authority its user may act at (SPEC §10, R2; reference §3.1 step 4:
 * "swap the authority to the customer tenant to get AOBO tokens"). A partner's automation consents
 * once at the partner's authority; its refresh token, presented at a customer's authority, is
 * redeemed there for an admin-on-behalf-of token, and the chain goes on from that authority (the
 * rotated token is held there), so one chain serves the partner and all its customers in turn.
 *
 * The chain's rows (its refresh tokens and its grant) stay where they were written; an authority
 * that does not hold a presented token looks it up by its hashed value alone (tokens/oidc-adapter.ts)
 * and sees it under the account id that person has at this authority. Nothing else is decided here:
 * oidc-provider then checks the client (the same client, found at this authority: multi-tenant apps
 * only), the token's expiry, the grant and the account — and the account of a partner user at a
 * customer's authority exists only while THE delegated-access decision says so
 * (tokens/delegated-account.ts), so a chain reaches exactly the customers with an active relationship.
 */

/** oidc-provider models whose rows a chain's redemption may find at another authority. */
export const CHAIN_MODELS: ReadonlySet<string> = new Set(['RefreshToken', 'Grant']);

/**
 * The account id, at the authority of `atTenantId`, of the person a row held at `heldByTenantId`
 * names: a tenant's own user at home, `sp:{home}:{user}` anywhere else (sessions/service-provider-account.ts).
 */
export function accountAtAuthority(heldByTenantId: string, accountId: string, atTenantId: string): string {
  const person = parseServiceProviderAccountId(accountId) ?? {
    homeTenantId: heldByTenantId,
    userId: accountId,
  };
  return person.homeTenantId === atTenantId ? person.userId : serviceProviderAccountId(person);
}
