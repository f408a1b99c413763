import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Clock } from '../clock.ts';
import { assertionRefusalOf } from './client-assertions.ts';
import type { ProviderMiddleware } from './device-polling.ts';
import { answerEntraTokenError, type EntraTokenError } from './entra-token-error.ts';

/**
 * Entra's numbers for a client that failed to authenticate with a secret or an assertion (the
 * AADSTS list of Microsoft's error reference; docs/errors.md), from oidc-provider's refusal
 * (its `error_detail`, lib/shared/jwt_client_auth.js) and the reason client-assertions.ts kept.
 * Undefined for refusals that are not about the credential (unknown client, malformed request).
 */
export function clientAuthError(
  detail: string | undefined,
  refusal: string | undefined,
): Omit<EntraTokenError, 'error'> | undefined {
  const signature = (reason: string) => ({
    code: 700027,
    message: `Client assertion failed signature validation. [Reason - ${reason}]`,
  });
  if (refusal === 'unknown_key')
    return signature(
      'The key was not found: no certificate of the application has the thumbprint of the header (x5t, x5t#S256).',
    );
  if (refusal === 'certificate_expired')
    return signature('The certificate that signed the assertion is expired.');
  if (refusal === 'certificate_not_yet_valid')
    return signature('The certificate that signed the assertion is not valid yet.');
  if (detail === undefined) return undefined;
  if (detail === 'invalid secret provided' || detail.includes('client secret is expired'))
    return { code: 7000215, message: 'Invalid client secret provided.' };
  if (detail === 'client assertion tokens must only be used once')
    return signature('The assertion was already used: its jti is accepted once (RFC 7523 §3).');
  if (detail === 'alg mismatch') return signature('The signing algorithm is not accepted for this client.');
  if (/jwt expired|jwt not active yet|jwt issued in the future|expiration must be specified/.test(detail))
    return { code: 700024, message: 'Client assertion is not within its valid time range.' };
  if (detail.includes('audience'))
    return {
      code: 700023,
      message: 'Client assertion audience claim does not match the token endpoint or issuer.',
    };
  if (detail.includes('iss (JWT issuer)') || detail.includes('sub (JWT subject)'))
    return { code: 700021, message: "Client assertion application identifier doesn't match 'client_id'." };
  if (/signature verification failed|no matching key|could not be verified/i.test(detail))
    return signature('The signature did not verify with the application’s credentials.');
  return undefined;
}

/**
 * The token endpoint's `invalid_client` answers for a failed secret or assertion in Entra's shape
 * (error_codes, trace and correlation ids), still 401 (RFC 6749 §5.2). What the answer says is
 * the class of failure, never which secrets or certificates the application holds.
 */
export function clientAuthAnswers(clock: Clock): ProviderMiddleware {
  return async (ctx, next) => {
    await next();
    const oidc = ctx.oidc as KoaContextWithOIDC['oidc'] | undefined;
    const body = ctx.body as { error?: unknown; error_detail?: string } | undefined;
    if (oidc?.route !== 'token' || body?.error !== 'invalid_client') return;
    const detail = (ctx.state as Record<string, unknown>)['urn:warden:client_auth_detail'] as
      | string
      | undefined;
    const mapped = clientAuthError(detail, assertionRefusalOf(ctx));
    if (!mapped) return;
    const status = ctx.status;
    answerEntraTokenError(ctx, clock.now(), { error: 'invalid_client', ...mapped });
    ctx.status = status;
  };
}
