import type { SignInErrorCode } from '../errors/sign-in-errors.ts';
import { hasMfaProof } from '../policy/mfa-proof.ts';
import { parseServiceProviderAccountId } from '../sessions/service-provider-account.ts';
import type { Db } from '../storage/database.ts';
import { recordSignIn } from './sign-in-log.ts';

/** One redemption of a refresh token at an authority, as its answer was decided. */
export interface RefreshRedemption {
  /** The authority's tenant. */
  tenantId: string;
  /** The chain's account at this authority (`sp:{home}:{user}` for a partner user at a customer's). */
  accountId: string | undefined;
  /** The user's directory tenant when known (the account's own tenant). */
  userTenantId: string | undefined;
  userPrincipalName: string | undefined;
  appId: string | undefined;
  ipAddress: string;
  /** The `amr` the chain carries. */
  amr: readonly string[];
  errorCode: SignInErrorCode;
  failureReason?: string;
  correlationId?: string;
  /** The resource the refresh was redeemed for, and the client's User-Agent, when known. */
  resourceId?: string;
  userAgent?: string;
  now: number;
}

/**
 * Non-interactive sign-ins (SPEC §11): every refresh token redemption, successful or not, is a
 * row of the sign-in log, so a user's activity includes what their apps did with the chain — with
 * Entra's code when the chain expired (700082) or was revoked (50173). A partner user's chain at
 * a customer's authority names the user and its home tenant, even when the access has ended.
 */
export async function recordRefreshRedemption(db: Db, r: RefreshRedemption): Promise<void> {
  const serviceProvider = r.accountId ? parseServiceProviderAccountId(r.accountId) : undefined;
  await recordSignIn(db, {
    resourceTenantId: r.tenantId,
    homeTenantId: serviceProvider?.homeTenantId ?? r.userTenantId ?? (r.accountId ? r.tenantId : null),
    userId: serviceProvider?.userId ?? r.accountId ?? null,
    userPrincipalName: r.userPrincipalName ?? null,
    appId: r.appId ?? null,
    ipAddress: r.ipAddress,
    clientAppUsed: 'Mobile Apps and Desktop clients',
    isInteractive: false,
    errorCode: r.errorCode,
    ...(r.failureReason ? { failureReason: r.failureReason } : {}),
    authenticationRequirement: hasMfaProof(r.amr)
      ? 'multiFactorAuthentication'
      : 'singleFactorAuthentication',
    requirementPolicy: null,
    steps: [
      {
        authenticationMethod: 'Refresh token',
        succeeded: r.errorCode === 0,
        authenticationStepDateTime: new Date(r.now).toISOString(),
      },
    ],
    ...(r.correlationId ? { correlationId: r.correlationId } : {}),
    ...(r.resourceId ? { resourceId: r.resourceId } : {}),
    ...(r.userAgent ? { userAgent: r.userAgent } : {}),
    // Entra's words for a refresh that carries an earlier MFA proof.
    ...(r.errorCode === 0 && hasMfaProof(r.amr)
      ? { additionalDetails: 'MFA requirement satisfied by claim in the token' }
      : {}),
    createdAt: r.now,
  });
}
