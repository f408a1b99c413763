import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import { isThirdPartyApplication, publisherTenantIdOf } from '../directory/third-party-applications.ts';
import { hasMfaProof } from '../policy/mfa-proof.ts';
import type { Db } from '../storage/database.ts';

/**
 * SPEC §10 ("the consent itself always requires MFA"): a login check of oidc-provider's policy. A
 * session proven without MFA — say, a password-only sign-in to an application of the user's own
 * tenant — is not carried to a third-party application (a multi-tenant app of another,
 * non-operator tenant, whose consent page follows): the login prompt is requested again, and that
 * sign-in is to the same client, so the sign-in policy demands MFA of it (policy fact
 * `consentToThirdPartyApplication`, gathered in src/sign-in/interaction-routes.ts).
 * With `prompt=none` oidc-provider answers `login_required`.
 */
export function consentNeedsMfa(
  db: Db,
  authorityTenantOf: (ctx: KoaContextWithOIDC) => string,
): interactionPolicy.Check {
  return new interactionPolicy.Check(
    'third_party_consent_mfa',
    'consent to a third-party application requires multi-factor authentication',
    async (ctx) => {
      const session = ctx.oidc.session;
      if (!session?.accountId || hasMfaProof(session.amr)) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      const thirdParty = await isThirdPartyApplication(
        db,
        authorityTenantOf(ctx),
        publisherTenantIdOf(ctx.oidc.client),
      );
      return thirdParty ? interactionPolicy.Check.REQUEST_PROMPT : interactionPolicy.Check.NO_NEED_TO_PROMPT;
    },
  );
}
