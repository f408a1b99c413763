import type Provider from 'oidc-provider';
import { hasMfaProof } from '../policy/mfa-proof.ts';
import { parseServiceProviderAccountId } from '../sessions/service-provider-account.ts';
import type { InteractionDetails } from './consent-request.ts';

/**
 * Issue 15 item 4: the authority's own session, as a sign-in may build on it. A session that
 * proved the password but not MFA, sent back to login only because MFA is now asked, needs only
 * the second factor (steps/session-second-factor.ts).
 */
export interface ExistingSession {
  /** The session's account: a user of this authority's tenant. */
  accountId: string;
  /** RFC 8176 `amr` of what the session proved. */
  amr: string[];
  /** OIDC Core §2 `auth_time` of the session's sign-in, epoch seconds. */
  authTime: number;
}

/**
 * Why oidc-provider asked for login again that leaves the session's earlier sign-in standing: MFA
 * is asked of it (tokens/provider.ts `mfa_step_up`, `mfa_policy`; tokens/consent-needs-mfa.ts), or
 * an essential `acr` it lacks (OIDC Core §5.5.1.1: Warden's acr values differ by MFA only). Any other
 * reason — no session, `max_age` exceeded, `prompt=login` (oidc-provider's `login_prompt`, also for
 * `max_age=0`), an `id_token_hint` of another subject, an account that can no longer sign in —
 * asks for the whole sign-in (OIDC Core §3.1.2.1).
 */
const MFA_REASONS = new Set(['mfa_step_up', 'mfa_policy', 'third_party_consent_mfa']);
const ALSO_SATISFIED_BY_MFA = new Set(['essential_acr', 'essential_acrs']);

/**
 * The session this interaction may build on, or undefined when the whole sign-in is needed. Only an
 * own user's session that proved the password (a partner user acting at a customer, SPEC E3, signs
 * in afresh); its `auth_time` is read from the stored session, not from anything the browser sent.
 * `now` is epoch milliseconds.
 */
export async function sessionForSecondFactor(
  provider: Provider,
  details: InteractionDetails,
  now: number,
): Promise<ExistingSession | undefined> {
  if (details.prompt.name !== 'login') return undefined;
  const reasons = details.prompt.reasons;
  if (!reasons.some((reason) => MFA_REASONS.has(reason))) return undefined;
  if (!reasons.every((reason) => MFA_REASONS.has(reason) || ALSO_SATISFIED_BY_MFA.has(reason)))
    return undefined;
  const session = details.session;
  if (!session?.accountId || !session.cookie) return undefined;
  if (parseServiceProviderAccountId(session.accountId)) return undefined;
  const amr = Array.isArray(session.amr) ? session.amr : [];
  if (!amr.includes('pwd') || hasMfaProof(amr)) return undefined;
  const stored = await provider.Session.find(session.cookie);
  if (!stored || stored.accountId !== session.accountId || typeof stored.loginTs !== 'number')
    return undefined;
  // OIDC Core §3.1.2.1 max_age, measured here too on Warden's clock (ctx.clock), so the decision
  // never rests on oidc-provider's clock alone: an older sign-in is the whole sign-in again.
  const maxAge = Number(details.params.max_age);
  if (
    details.params.max_age !== undefined &&
    (!Number.isFinite(maxAge) || now / 1000 - stored.loginTs > maxAge)
  )
    return undefined;
  return { accountId: session.accountId, amr, authTime: stored.loginTs };
}
