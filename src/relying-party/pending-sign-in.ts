import * as oidc from 'openid-client';
import type { SecretBox } from '../security/secret-box.ts';
import type { FirstPartyRelyingParty, SignedInUser } from './oidc-client.ts';

/**
 * A sign-in under way at a first-party relying party: the authorization request's secrets
 * (state, nonce, PKCE verifier; RFC 7636), sealed into a short-lived cookie so any instance can
 * finish it. Each site adds what it needs to come back to (where, which cookie).
 */
export interface PendingAuthorization {
  tenantId: string;
  state: string;
  nonce: string;
  codeVerifier: string;
  expiresAt: number;
}

export const PENDING_TTL_MS = 15 * 60 * 1000;

export function newPendingAuthorization(tenantId: string, now: number): PendingAuthorization {
  return {
    tenantId,
    state: oidc.randomState(),
    nonce: oidc.randomNonce(),
    codeVerifier: oidc.randomPKCECodeVerifier(),
    expiresAt: now + PENDING_TTL_MS,
  };
}

export function sealPending(box: SecretBox, pending: PendingAuthorization): string {
  return box.seal(JSON.stringify(pending), 'pending');
}

/** Why a callback did not sign anyone in; each site words it on its own pages. */
export type CallbackFailure =
  | { reason: 'notStartedHere' }
  | { reason: 'expired' }
  | { reason: 'denied'; description: string }
  | { reason: 'unverified'; error: unknown };

/**
 * The callback's one decision: the pending sign-in the cookie holds (sealed here, not expired),
 * the authority's answer (an error it sent back), and the code redeemed into a verified ID token.
 */
export async function finishSignIn<P extends PendingAuthorization>(input: {
  box: SecretBox;
  sealed: string | undefined;
  rp: FirstPartyRelyingParty;
  callbackUrl: URL;
  now: number;
}): Promise<{ ok: true; pending: P; user: SignedInUser } | ({ ok: false } & CallbackFailure)> {
  let pending: P;
  try {
    pending = JSON.parse(input.box.open(input.sealed ?? '', 'pending')) as P;
  } catch {
    return { ok: false, reason: 'notStartedHere' };
  }
  if (pending.expiresAt <= input.now) return { ok: false, reason: 'expired' };
  const denied = input.callbackUrl.searchParams.get('error');
  if (denied)
    return {
      ok: false,
      reason: 'denied',
      description: input.callbackUrl.searchParams.get('error_description') ?? denied,
    };
  try {
    return { ok: true, pending, user: await input.rp.redeem({ ...pending, callbackUrl: input.callbackUrl }) };
  } catch (error) {
    return { ok: false, reason: 'unverified', error };
  }
}
