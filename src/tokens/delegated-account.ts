import { delegatedAccessOf } from '../delegated-admin/delegated-access.ts';
import type { Tenant } from '../directory/tenants.ts';
import { getUser } from '../directory/users.ts';
import { hasMfaProof } from '../policy/mfa-proof.ts';
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
 * removed group membership, DAP removed, the user disabled at home — and there is no account, so
 * oidc-provider answers `invalid_grant` to the refresh. The token then says what happened: `tid`
 * and `iss` are the customer's, `idp` the partner's issuer, `oid` the partner user, `wids` the
 * roles held now.
 */
export async function findDelegatedAccount(
  db: Db,
  baseUrl: string,
  customer: Tenant,
  account: ServiceProviderAccount,
  token: unknown,
  now: number,
): Promise<WardenAccount | undefined> {
  // SPEC E3: MFA always; a chain without `mfa` never stands for a partner user here.
  const chain = token as { kind?: string; amr?: string[] } | undefined;
  if (chain?.kind === 'RefreshToken' && !hasMfaProof(chain.amr)) return undefined;
  const user = await getUser(db, account.homeTenantId, account.userId);
  if (!user?.accountEnabled) return undefined;
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
