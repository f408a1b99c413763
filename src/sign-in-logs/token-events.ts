import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import { hasMfaProof } from '../policy/mfa-proof.ts';
import { parseServiceProviderAccountId } from '../sessions/service-provider-account.ts';
import type { Db } from '../storage/database.ts';
import { recordSignIn } from './sign-in-log.ts';

/**
 * Non-interactive sign-ins (SPEC §11): every refresh token redemption, successful or not, is a
 * row of the sign-in log, so a user's activity includes what their apps did with the chain.
 * The write happens after the response is decided and never delays or fails the token request.
 */
export function logRefreshTokenRedemptions(
  provider: Provider,
  db: Db,
  tenantId: string,
  log: Logger,
  clock: Clock,
): void {
  const record = (ctx: KoaContextWithOIDC, error?: { error?: string; error_description?: string }) => {
    if (ctx.oidc?.params?.grant_type !== 'refresh_token') return;
    const entities = ctx.oidc.entities as {
      RefreshToken?: { accountId?: string; amr?: string[] };
      Account?: { user?: { userPrincipalName: string; tenantId: string } };
    };
    const amr = entities.RefreshToken?.amr ?? [];
    // SPEC E3: a partner user's chain at a customer's authority names the user and its home tenant;
    // the row says so even when the refresh failed because the access has ended.
    const accountId = entities.RefreshToken?.accountId;
    const serviceProvider = accountId ? parseServiceProviderAccountId(accountId) : undefined;
    const now = clock.now(); // the clock of every other sign-in log row
    recordSignIn(db, {
      resourceTenantId: tenantId,
      homeTenantId: serviceProvider?.homeTenantId ?? entities.Account?.user?.tenantId ?? null,
      userId: serviceProvider?.userId ?? accountId ?? null,
      userPrincipalName: entities.Account?.user?.userPrincipalName ?? null,
      appId: ctx.oidc.client?.clientId ?? null,
      ipAddress: ctx.ip,
      clientAppUsed: 'Mobile Apps and Desktop clients',
      isInteractive: false,
      errorCode: error ? 70000 : 0,
      ...(error ? { failureReason: error.error_description ?? error.error ?? 'invalid_grant' } : {}),
      authenticationRequirement: hasMfaProof(amr)
        ? 'multiFactorAuthentication'
        : 'singleFactorAuthentication',
      requirementPolicy: null,
      steps: [
        {
          authenticationMethod: 'Refresh token',
          succeeded: !error,
          authenticationStepDateTime: new Date(now).toISOString(),
        },
      ],
      createdAt: now,
    }).catch((err: unknown) => log.error({ err }, 'could not write the sign-in log'));
  };
  provider.on('grant.success', (ctx) => record(ctx));
  provider.on('grant.error', (ctx, error) => {
    record(ctx, error as { error?: string });
    log.debug({ tenant: tenantId, error: (error as { error_detail?: string }).error_detail }, 'grant.error');
  });
}
