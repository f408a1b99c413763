import { type CliError, NotSignedInError, RefusedError, UsageError } from '../errors.ts';
import type { Authority } from '../session/authority.ts';
import { oauthFailure } from '../session/sign-in.ts';

/** An OAuth error answer as openid-client gives it: `error`, `error_description`, the body as `cause`. */
interface OAuthAnswer {
  error?: string;
  error_description?: string;
  cause?: { error_codes?: unknown };
}

/** Entra's `error_codes` of a token endpoint answer (reference §2.6, §3.2), if it has any. */
export function errorCodesOf(error: unknown): number[] {
  const codes = (error as OAuthAnswer | undefined)?.cause?.error_codes;
  return Array.isArray(codes) ? codes.filter((c): c is number => typeof c === 'number') : [];
}

/** The first line of the server's description (Entra appends trace and correlation ids). */
function said(error: OAuthAnswer): string {
  const description = error.error_description?.split(/\r?\n/)[0]?.trim();
  return description ? `${error.error}: ${description}` : String(error.error);
}

/**
 * A failed redemption of the stored refresh token, as a CLI error saying what to do (reference
 * §3.2): an inactive chain (700082) and a revoked one (50173) need a new consent; `invalid_client`
 * is the application's credentials. The chain is kept on disk either way: a refusal at one
 * customer's authority says nothing about the chain at the partner's.
 */
export function redemptionFailure(
  authority: Authority,
  error: unknown,
  consentHint: string,
  customer?: string,
): CliError {
  const e = error as OAuthAnswer;
  const codes = errorCodesOf(error);
  if (e?.error === 'invalid_grant' && codes.includes(700082)) {
    return new NotSignedInError(
      `The stored refresh token expired through inactivity: it was not used for 90 days (${said(e)}).`,
      consentHint,
    );
  }
  if (e?.error === 'invalid_grant' && customer) {
    // At a customer's authority a refusal (50020, or 50173 for an ended relationship) may be the
    // relationship's, not the chain's: the partner's authority tells which.
    return new NotSignedInError(
      `${customer}'s authority refused the stored refresh token (${said(e)}): the user may have no active relationship with that customer, or the chain has ended.`,
      `Check the chain with warden sam token --resource partner-api; if that fails too, ${consentHint.replace(/^Run/, 'run')}`,
    );
  }
  if (e?.error === 'invalid_grant' && codes.includes(50173)) {
    return new NotSignedInError(
      `The stored refresh token was revoked (a password reset, revoked sessions or a disabled account) (${said(e)}).`,
      consentHint,
    );
  }
  if (e?.error === 'invalid_grant') {
    return new NotSignedInError(
      `The server refused the stored refresh token: it expired, was revoked or was replayed (${said(e)}).`,
      consentHint,
    );
  }
  if (e?.error === 'invalid_client') {
    return new UsageError(
      `The server refused the application's credentials (${said(e)}).`,
      'Check --client-secret (or WARDEN_SAM_CLIENT_SECRET) against the application the chain was consented for.',
    );
  }
  if (e?.error === 'unauthorized_client' || e?.error === 'invalid_scope' || e?.error === 'access_denied') {
    return new RefusedError(`The server refused the request (${said(e)}).`);
  }
  return oauthFailure(authority, error);
}
