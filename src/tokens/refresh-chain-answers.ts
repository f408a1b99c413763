import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import { isPartnerOf } from '../delegated-admin/partner-of.ts';
import type { Tenant } from '../directory/tenants.ts';
import { SIGN_IN_ERRORS, type SignInErrorCode } from '../errors/sign-in-errors.ts';
import { parseServiceProviderAccountId } from '../sessions/service-provider-account.ts';
import { requestedResource } from '../sign-in-logs/resource-names.ts';
import type { SignInCounter } from '../sign-in-logs/sign-in-log.ts';
import { recordRefreshRedemption } from '../sign-in-logs/token-events.ts';
import type { Db } from '../storage/database.ts';
import { accountAtAuthority } from './chain-across-authorities.ts';
import type { ProviderMiddleware } from './device-polling.ts';
import { answerEntraTokenError, timeSpan } from './entra-token-error.ts';
import { findProtocolRow, type ProtocolRow, usableUntil } from './oidc-adapter.ts';
import type { WardenAccount } from './token-claims.ts';

/** What a refresh token's stored payload says about its chain. */
interface ChainPayload {
  accountId?: string;
  /** When this token was issued (seconds): the chain's last redemption. */
  iat?: number;
  /** When the chain's first token was issued (seconds): the grant. */
  iiat?: number;
  amr?: string[];
  /** The client the chain was issued to. */
  clientId?: string;
}

/** oidc-provider's detail when the account of a chain is not found (disabled, or its delegated access ended). */
const ACCOUNT_NOT_FOUND = 'refresh token invalid (referenced account not found)';

/**
 * Refresh-token redemptions, answered as Entra answers them (SPEC §10, reference §3.2), and logged.
 *
 * oidc-provider decides every redemption; after it has answered, a refusal (`invalid_grant`) is
 * told apart by what the stored token says, so a tool knows what to do:
 * - the chain was revoked (its tokens are kept, revoked: sessions/protocol-rows.ts), or the
 *   delegated access it was used under has ended → AADSTS50173, with the time the grant was issued
 *   and the time tokens are valid from: sign in again;
 * - the token was not redeemed for 90 days (tokens expire on Warden's clock) → AADSTS700082, with
 *   when it was issued and how long it was inactive;
 * - anything else (used twice, unknown) keeps oidc-provider's answer (70000 in the log).
 * Every redemption, answered either way, is a non-interactive sign-in (sign-in-logs/token-events.ts).
 */
export function refreshChainAnswers(
  provider: Provider,
  deps: { db: Db; tenant: Tenant; clock: Clock; log: Logger; signIns?: SignInCounter | undefined },
): ProviderMiddleware {
  const { db, tenant, clock, log, signIns } = deps;
  // oidc-provider hands the refusal's detail only to its listeners, during the request.
  const details = new WeakMap<object, string>();
  provider.on('grant.error', (ctx, error) => {
    const detail = (error as { error_detail?: unknown }).error_detail;
    if (typeof detail === 'string') details.set(ctx, detail);
  });

  return async (ctx, next) => {
    await next();
    const oidc = ctx.oidc as KoaContextWithOIDC['oidc'] | undefined;
    const presented = oidc?.params?.refresh_token;
    if (
      oidc?.route !== 'token' ||
      oidc.params?.grant_type !== 'refresh_token' ||
      typeof presented !== 'string'
    )
      return;
    const body = ctx.body as { error?: unknown } | undefined;
    // A client that did not authenticate redeemed nothing (RFC 6749 §5.2 invalid_client); not a sign-in.
    if (body?.error === 'invalid_client' || !oidc.client) return;
    const now = clock.now();
    const account = oidc.entities.Account as unknown as WardenAccount | undefined;
    const token = oidc.entities.RefreshToken as { accountId?: string; amr?: string[] } | undefined;
    let errorCode: SignInErrorCode = 0;
    let failureReason: string | undefined;
    let correlationId: string | undefined;
    let accountId = account?.accountId ?? token?.accountId;
    let amr = token?.amr ?? [];

    if (body?.error !== undefined) {
      // An answer already given as Entra's (consented-resources.ts: 65001, 70011) is logged with its code.
      const answered = (body as { error_codes?: unknown[] }).error_codes?.[0];
      errorCode = isSignInErrorCode(answered) ? answered : 70000;
      failureReason = String((body as { error_description?: unknown }).error_description ?? body.error);
      try {
        const row =
          body.error === 'invalid_grant'
            ? await findProtocolRow(db, tenant.id, 'RefreshToken', presented)
            : undefined;
        const payload = row ? (JSON.parse(row.payload) as ChainPayload) : undefined;
        // Only the client the chain is issued to is told why it ended; another gets the plain refusal.
        if (row && payload && payload.clientId === oidc.client.clientId) {
          accountId ??= payload.accountId && accountAtAuthority(row.tenant_id, payload.accountId, tenant.id);
          amr = payload.amr ?? amr;
          const answer = await classify(db, tenant, row, payload, accountId, details.get(ctx), now);
          if (answer) {
            errorCode = answer.code;
            failureReason = answer.message;
            correlationId = answerEntraTokenError(ctx, now, {
              error: 'invalid_grant',
              code: answer.code,
              message: answer.message,
              suberror: 'bad_token',
            });
          }
        }
      } catch (err) {
        // The refusal stands as oidc-provider worded it; only its wording could not be looked up.
        log.error({ err, tenant: tenant.id }, 'could not look up a refused refresh token');
      }
    }

    const serviceProvider = accountId ? parseServiceProviderAccountId(accountId) : undefined;
    recordRefreshRedemption(db, {
      tenantId: tenant.id,
      accountId,
      userTenantId: account?.user.tenantId ?? (serviceProvider ? serviceProvider.homeTenantId : undefined),
      userPrincipalName: account?.user.userPrincipalName,
      appId: oidc.client.clientId,
      ipAddress: ctx.ip,
      amr,
      errorCode,
      ...(failureReason ? { failureReason } : {}),
      ...(correlationId ? { correlationId } : {}),
      ...resourceAndAgent(oidc.params, ctx.get('user-agent')),
      now,
    })
      .then(() => signIns?.signIn(errorCode, false))
      .catch((err: unknown) => log.error({ err }, 'could not write the sign-in log'));
  };
}

/** Graph `signIn.resourceId` and `userAgent` of a refresh, as the interactive sign-in logs them. */
function resourceAndAgent(
  params: Readonly<Record<string, unknown>> | undefined,
  userAgent: string,
): { resourceId?: string; userAgent?: string } {
  const resourceId = requestedResource(params ?? {});
  return { ...(resourceId ? { resourceId } : {}), ...(userAgent ? { userAgent } : {}) };
}

async function classify(
  db: Db,
  tenant: Tenant,
  row: ProtocolRow,
  payload: ChainPayload,
  accountId: string | undefined,
  detail: string | undefined,
  now: number,
): Promise<{ code: 50020 | 50173 | 700082; message: string } | undefined> {
  const issued = isoSeconds(payload.iat);
  const granted = isoSeconds(payload.iiat ?? payload.iat);
  if (row.revoked_at !== null) {
    return {
      code: 50173,
      message: `The grant was revoked, so a new sign-in is needed (a password reset by an administrator, the account disabled, its sessions revoked, or the token replayed or revoked). The grant was issued on '${granted}' and tokens are valid from '${new Date(row.revoked_at).toISOString()}' on.`,
    };
  }
  const until = usableUntil('RefreshToken', row);
  if (row.consumed_at === null && until !== null && until <= now && payload.iat !== undefined) {
    return {
      code: 700082,
      message: `The refresh token expired because it was not used for 90 days. The token was issued on ${issued} and was inactive for ${timeSpan(now - payload.iat * 1000)}.`,
    };
  }
  const partnerUser = accountId ? parseServiceProviderAccountId(accountId) : undefined;
  if (detail === ACCOUNT_NOT_FOUND && partnerUser) {
    // SPEC E3: access that ended (a relationship terminated or expired, a group membership or DAP
    // removed) is a revocation; a tenant the partner never served is simply not the user's to enter.
    if (!(await isPartnerOf(db, partnerUser.homeTenantId, tenant.id)))
      return {
        code: 50020,
        message: `The user's organisation has no delegated administration relationship with the tenant '${tenant.id}'; the refresh token cannot be used at its authority.`,
      };
    return {
      code: 50173,
      message: `The delegated access this grant was used under has ended (no active relationship gives the user a role in this tenant now), so a new sign-in is needed. The grant was issued on '${granted}' and tokens are valid from '${new Date(now).toISOString()}' on.`,
    };
  }
  return undefined;
}

function isoSeconds(epochSeconds: number | undefined): string {
  return epochSeconds === undefined ? 'an unknown date' : new Date(epochSeconds * 1000).toISOString();
}

function isSignInErrorCode(value: unknown): value is SignInErrorCode {
  return typeof value === 'number' && value !== 0 && Object.hasOwn(SIGN_IN_ERRORS, value);
}
