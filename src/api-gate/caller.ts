import type { FastifyRequest } from 'fastify';
import { tagTenantClass } from '../metrics/tenant-class.ts';
import { hasMfaProof } from '../policy/mfa-proof.ts';
import type { RevocableToken, RevocationList } from '../sessions/revocation-list.ts';
import {
  type AccessTokenVerifier,
  type AppOnlyCaller,
  type AppUserCaller,
  type Caller,
  InvalidAccessToken,
} from '../tokens/access-tokens.ts';
import { bearerCredentials } from './bearer.ts';

/** How one API words the refusals every gate makes, each in the API's own error shape. */
export interface TokenRefusals {
  /** RFC 6750 §3.1: no credentials, or not a Bearer token — 401 with a challenge. */
  missingToken(): Error;
  /** RFC 6750 §3.1 `invalid_request`: two Authorization headers, or two credentials in one — 400. */
  ambiguousCredentials(): Error;
  /** RFC 6750 §3.1 `invalid_token`: the token does not verify — 401. */
  invalidToken(reason: string): Error;
}

/**
 * The caller of a request: its one bearer token, verified for the API's audience and not revoked
 * (a replayed code, a disabled user…: the revocation list every gate consults).
 */
export async function authenticate(
  req: FastifyRequest,
  verifier: AccessTokenVerifier,
  revocations: RevocationList,
  refuse: TokenRefusals,
): Promise<Caller> {
  const credentials = bearerCredentials(req.raw);
  if (credentials.kind === 'ambiguous') throw refuse.ambiguousCredentials();
  if (credentials.kind === 'none') throw refuse.missingToken();
  let caller: Caller;
  try {
    caller = await verifier.verify(credentials.token);
  } catch (error) {
    if (error instanceof InvalidAccessToken) throw refuse.invalidToken(error.message);
    throw error;
  }
  // Issue 16 item 2: the request is counted under the class of the token's tenant, never its id.
  tagTenantClass(req.raw, caller.tenant.kind);
  if (await revocations.revokes(revocable(caller))) throw refuse.invalidToken('The token has been revoked.');
  // SPEC E3: a partner user's revocation is recorded by its home tenant (password reset, revoked
  // sessions, disabled); it covers the tokens the user got at its customers' authorities too.
  if (
    caller.mode === 'app+user' &&
    caller.homeTenantId !== undefined &&
    (await revocations.revokes({
      tenantId: caller.homeTenantId,
      userId: caller.userId,
      issuedAt: caller.issuedAt,
    }))
  )
    throw refuse.invalidToken('The token has been revoked.');
  return caller;
}

function revocable(caller: Caller): RevocableToken {
  return caller.mode === 'app+user'
    ? { tenantId: caller.tenant.id, userId: caller.userId, grant: caller.grant, issuedAt: caller.issuedAt }
    : { tenantId: caller.tenant.id, issuedAt: caller.issuedAt };
}

/**
 * THE branch of every gate (SPEC §3): an application alone is judged by the app roles its token
 * holds; a user through an application must first prove MFA (SPEC E2 for the Partner API, §5 for
 * administrators) and is then judged by the user's own rights.
 */
export function byMode<T>(
  caller: Caller,
  branch: {
    appOnly: (caller: AppOnlyCaller) => T;
    mfaRequired: () => Error;
    appUser: (caller: AppUserCaller) => T;
  },
): T {
  if (caller.mode === 'app-only') return branch.appOnly(caller);
  if (!hasMfaProof(caller.amr)) throw branch.mfaRequired();
  return branch.appUser(caller);
}
