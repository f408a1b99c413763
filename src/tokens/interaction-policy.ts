import type Provider from 'oidc-provider';
import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import type { Clock } from '../clock.ts';
import { mfaDemandedNow } from '../policy/current-requirement.ts';
import { hasMfaProof } from '../policy/mfa-proof.ts';
import { stepUpFrom } from '../policy/step-up.ts';
import type { Db } from '../storage/database.ts';
import { consentNeedsMfa } from './consent-needs-mfa.ts';

// Which tenant each authority serves, for the checks below (one policy is shared by every
// authority: issue 16 item 3, a cold authority builds only what is its tenant's own).
const authorityTenants = new WeakMap<Provider, string>();

export function registerAuthorityTenant(provider: Provider, tenantId: string): void {
  authorityTenants.set(provider, tenantId);
}

/** The tenant of the authority serving `ctx`; a provider Warden did not build is refused (fail closed). */
export function authorityTenantOf(ctx: KoaContextWithOIDC): string {
  const tenantId = authorityTenants.get(ctx.oidc.provider);
  if (!tenantId) throw new Error('an authority without a tenant');
  return tenantId;
}

/**
 * oidc-provider's interaction policy with Warden's login checks, built once and shared by every
 * tenant's authority (oidc-provider only reads it; each check finds its tenant by the provider).
 */
export function wardenInteractionPolicy(db: Db, clock: Clock): interactionPolicy.Prompt[] {
  const policy = interactionPolicy.base();
  const login = policy.get('login')!;
  // Step-up (issue 2 item 6): a session without `mfa` goes back through login when the request asks
  // for full-strength authentication — the same reading (step-up.ts) that makes the policy demand
  // MFA of the new sign-in, so the two never disagree (max_age and prompt=login included).
  login.checks.add(
    new interactionPolicy.Check('mfa_step_up', 'multi-factor authentication is requested', (ctx) => {
      const asked = stepUpFrom(ctx.oidc.params as Record<string, unknown>);
      return asked !== undefined && !hasMfaProof(ctx.oidc.session?.amr)
        ? interactionPolicy.Check.REQUEST_PROMPT
        : interactionPolicy.Check.NO_NEED_TO_PROMPT;
    }),
  );
  // A session signed in without MFA is not reused once policy demands MFA of that user.
  login.checks.add(
    new interactionPolicy.Check('mfa_policy', 'policy requires multi-factor authentication', async (ctx) => {
      const session = ctx.oidc.session;
      if (!session?.accountId || hasMfaProof(session.amr)) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      return (await mfaDemandedNow(db, authorityTenantOf(ctx), session.accountId, clock.now()))
        ? interactionPolicy.Check.REQUEST_PROMPT
        : interactionPolicy.Check.NO_NEED_TO_PROMPT;
    }),
  );
  // A session whose account findAccount no longer gives (SPEC E3: a partner user's delegated access
  // ended; a disabled user) signs in again instead of reaching consent with no account.
  login.checks.add(
    new interactionPolicy.Check(
      'account_unavailable',
      'the signed-in account cannot sign in here now',
      (ctx) =>
        ctx.oidc.session?.accountId && !ctx.oidc.account
          ? interactionPolicy.Check.REQUEST_PROMPT
          : interactionPolicy.Check.NO_NEED_TO_PROMPT,
    ),
  );
  login.checks.add(consentNeedsMfa(db, authorityTenantOf)); // SPEC §10: consent needs MFA
  return policy;
}
