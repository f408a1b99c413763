import { delegatedAccessOf } from '../delegated-admin/delegated-access.ts';
import { getTenant, type Tenant } from '../directory/tenants.ts';
import { publisherTenantIdOf } from '../directory/third-party-applications.ts';
import { getUser } from '../directory/users.ts';
import { activeUserRisk } from '../identity-protection/risk-state.ts';
import { hasMfaProof } from '../policy/mfa-proof.ts';
import { servicePrincipalAppRoles } from '../service-principals/service-principals.ts';
import {
  type ServiceProviderAccount,
  serviceProviderAccountId,
} from '../sessions/service-provider-account.ts';
import type { Db } from '../storage/database.ts';
import { issuerOf } from './authority-urls.ts';
import { profileClaims, type WardenAccount } from './token-claims.ts';

/**
 * oidc-provider's account for a partner user at a customer's authority (SPEC E3, reference §2.2),
 * found again at every code redemption, refresh and reuse of the session. The access is read now
 * from THE decision (delegatedAccessOf): none left — a terminated or expired relationship, a
 * removed group membership, DAP removed, the user disabled or at high risk at home — and there is no account, so
 * oidc-provider answers `invalid_grant` to the refresh. The token then says what happened: `tid`
 * and `iss` are the customer's, `idp` the partner's issuer, `oid` the partner user, `wids` the
 * roles held now.
 */
export async function findDelegatedAccount(
  db: Db,
  baseUrl: string,
  customer: Tenant,
  account: ServiceProviderAccount,
  request: { token: unknown; client: unknown; now: number },
): Promise<WardenAccount | undefined> {
  const { token, client, now } = request;
  // SPEC E3: MFA always; a chain without `mfa` never stands for a partner user here.
  const chain = token as { kind?: string; amr?: string[] } | undefined;
  if (chain?.kind === 'RefreshToken' && !hasMfaProof(chain.amr)) return undefined;
  if (!(await mayActForPartnerUsers(db, customer.id, account.homeTenantId, client))) return undefined;
  const user = await getUser(db, account.homeTenantId, account.userId);
  if (!user?.accountEnabled) return undefined;
  // SPEC §9: a partner user at high risk at home keeps no chain at any customer, as at home
  // (tokens/provider.ts findAccount).
  if ((await activeUserRisk(db, account.homeTenantId, account.userId)) === 'high') return undefined;
  const access = await delegatedAccessOf(
    db,
    { homeTenantId: account.homeTenantId, userId: account.userId, customerTenantId: customer.id },
    now,
  );
  if (!access) return undefined;
  const accountId = serviceProviderAccountId(account);
  const delegated = { idp: issuerOf(baseUrl, account.homeTenantId), wids: access.roleTemplateIds };
  return {
    accountId,
    user,
    delegated,
    claims: () => ({ ...profileClaims(user, customer), sub: accountId, ...delegated }),
  };
}

/**
 * Whether the application may act for a partner's users in this customer: the partner's own app
 * (the SAM app, reference §3.1), the operator's (first party), the customer's own, or an app the
 * customer holds a service principal for (a CPV consent, reference §3.3). Any other multi-tenant
 * app — one a partner user once signed in to — gets nothing here, as Entra gives nothing to an app
 * with no service principal in the tenant (AADSTS650052). Without this, its refresh token
 * redeemed at each customer's authority would carry the user's GDAP roles everywhere.
 */
async function mayActForPartnerUsers(
  db: Db,
  customerTenantId: string,
  partnerTenantId: string,
  client: unknown,
): Promise<boolean> {
  const appId = (client as { clientId?: unknown } | undefined)?.clientId;
  const publisher = publisherTenantIdOf(client);
  if (typeof appId !== 'string' || publisher === undefined) return false;
  if (publisher === partnerTenantId || publisher === customerTenantId) return true;
  if ((await getTenant(db, publisher))?.kind === 'operator') return true;
  return (
    (await servicePrincipalAppRoles(db, customerTenantId, { id: appId, tenantId: publisher })) !== undefined
  );
}
