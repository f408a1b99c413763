import { createSecretKey } from 'node:crypto';
import { compactVerify, decodeProtectedHeader, type JWK, type ProtectedHeaderParameters } from 'jose';
import type { KoaContextWithOIDC } from 'oidc-provider';
import Provider from 'oidc-provider';
import type { StoredCertificate } from '../directory/application-key-credentials.ts';

/**
 * Client authentication by signed assertion (RFC 7523 §2.2, OIDC Core §9): `client_secret_jwt`
 * (HS256 with one of the app's secrets) and `private_key_jwt` (a certificate's key). oidc-provider
 * verifies the assertion — signature, `iss`/`sub`, `aud`, `exp`, `jti` once (its ReplayDetection
 * model, stored through the adapter in the shared database) — and this module only chooses the
 * key material the client is handed for that request, as clients.ts does for `client_secret`:
 * - HS*: the one secret whose HMAC the signature is; every usable secret is tried, matched or
 *   not, so the time taken does not tell which (or how many) exist. None verifies: no secret is
 *   handed over and oidc-provider refuses the assertion.
 * - RS*, PS*, ES*: the certificate the header names by `x5t` or `x5t#S256` (MSAL, @azure/identity)
 *   if it is valid now on Warden's clock. An unknown thumbprint or a certificate out of its dates
 *   leaves no key, and the reason is kept for Entra's answer (client-auth-answers.ts).
 */

export type AssertionRefusal = 'unknown_key' | 'certificate_expired' | 'certificate_not_yet_valid';

/** The Koa state key under which the refusal reason travels to the answer and the log. */
const REFUSAL = 'urn:warden:client_assertion_refusal';

function currentContext(): KoaContextWithOIDC | undefined {
  return (Provider as unknown as { ctx?: KoaContextWithOIDC }).ctx;
}

/** The client assertion of the request being served and its (unverified) header, if any. */
export function presentedAssertion(): { jwt: string; header: ProtectedHeaderParameters } | undefined {
  const jwt = (currentContext()?.oidc?.params as Record<string, unknown> | undefined)?.client_assertion;
  if (typeof jwt !== 'string' || jwt === '') return undefined;
  try {
    return { jwt, header: decodeProtectedHeader(jwt) };
  } catch {
    return undefined; // not a JWS: oidc-provider refuses it itself
  }
}

/** The secret whose HMAC signs `jwt`, trying every one (no early exit); undefined when none does. */
export async function secretSigning(jwt: string, secrets: readonly string[]): Promise<string | undefined> {
  let match: string | undefined;
  for (const secret of secrets) {
    const verified = await compactVerify(jwt, createSecretKey(Buffer.from(secret, 'utf8')), {
      algorithms: ['HS256', 'HS384', 'HS512'],
    }).then(
      () => true,
      () => false,
    );
    if (verified && match === undefined) match = secret;
  }
  return match;
}

/**
 * The public keys (JWKS) of the certificates usable now, out of those the header named; records
 * why there is none. The JWK carries the thumbprints, and the header's `kid` when it sent one
 * (oidc-provider then selects by it; its client cache is a bounded LRU).
 */
export function certificateKeys(
  named: readonly StoredCertificate[],
  header: ProtectedHeaderParameters,
  now: number,
): JWK[] {
  const usable = named.filter((c) => c.startAt <= now && now < c.endAt);
  if (usable.length === 0) {
    const refusal: AssertionRefusal =
      named.length === 0
        ? 'unknown_key'
        : named.some((c) => c.endAt <= now)
          ? 'certificate_expired'
          : 'certificate_not_yet_valid';
    const ctx = currentContext();
    if (ctx) ctx.state[REFUSAL] = refusal;
  }
  return usable.map((c) => ({
    ...(c.certificate.publicKey.export({ format: 'jwk' }) as JWK),
    x5t: c.x5t,
    'x5t#S256': c.x5tS256,
    ...(typeof header.kid === 'string' ? { kid: header.kid.slice(0, 256) } : {}),
  }));
}

/** Why the assertion of this request found no key, if that is why it failed. */
export function assertionRefusalOf(ctx: { state?: Record<string, unknown> }): AssertionRefusal | undefined {
  return ctx.state?.[REFUSAL] as AssertionRefusal | undefined;
}
