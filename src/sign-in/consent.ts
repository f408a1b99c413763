import * as views from '../authority-pages/pages.ts';
import { hasMfaProof } from '../policy/mfa-proof.ts';
import { consentingUser, recordConsent, refuseConsentWithoutMfa } from './consent-record.ts';
import type { ConsentRequest, MissingGrant } from './consent-request.ts';
import { finishInteraction, sendPage } from './respond.ts';

export type { ConsentRequest, InteractionDetails, MissingGrant } from './consent-request.ts';

/**
 * Consent (issue 2 item 6, "consent when needed"): oidc-provider's `consent` prompt, after the
 * sign-in. An application registered in the same tenant or by the operator is trusted; one from
 * another tenant (a third-party multi-tenant app) asks the user first — and (SPEC §10, "the
 * consent itself always requires MFA") only in a session proven with MFA. The sign-in policy asks
 * for MFA before this page (policy fact `consentToThirdPartyApplication`) and a session without it
 * is sent back to sign in (src/tokens/consent-needs-mfa.ts); this refuses whatever got past both.
 * An accepted consent is recorded with its proof (src/directory/user-consents.ts).
 */
export async function handleConsent(input: ConsentRequest): Promise<void> {
  const { ctx, provider, details, tenant, client, application, flow, req, reply, form, redirectOrigin } =
    input;
  // The application id the client_id resolved to (an alias names the same client: clients.ts).
  const clientId = client?.clientId ?? String(details.params.client_id);
  const missing = details.prompt.details as MissingGrant;
  const needsUser = application.thirdParty;
  const accountId = details.session?.accountId;
  if (!accountId) throw new Error('consent prompt without a signed-in account');

  // SPEC §10: defence in depth — no consent page, and no consent, without `mfa` in the session.
  const user = needsUser ? await consentingUser(ctx, tenant, accountId) : undefined;
  if (needsUser && !hasMfaProof(details.session?.amr)) {
    await ctx.flows.end(flow);
    await refuseConsentWithoutMfa(input, user);
    const result = {
      error: 'access_denied',
      error_description:
        'Consent to an application of another organisation requires multi-factor authentication.',
    };
    return finishInteraction(provider, req, reply, result, redirectOrigin);
  }
  // Fail closed: a consent is recorded for a person, so an account that names no user gives none.
  if (needsUser && !user) {
    await ctx.flows.end(flow);
    const result = {
      error: 'access_denied',
      error_description: 'The signed-in account cannot consent here.',
    };
    return finishInteraction(provider, req, reply, result, redirectOrigin);
  }
  if (needsUser && form?.action !== 'consent' && form?.action !== 'cancel') {
    const scopes = [
      ...(missing.missingOIDCScope ?? []),
      ...Object.values(missing.missingResourceScopes ?? {}).flat(),
    ].filter((scope) => !scope.endsWith('/.default')); // `.default` adds nothing to what is listed
    return sendPage(
      reply,
      200,
      views.consentPage(
        {
          action: `/${tenant.id}/login/${details.uid}`,
          csrf: flow.data.csrf,
          tenantName: tenant.display_name,
        },
        {
          clientName: String(client?.clientName ?? clientId),
          publisherTenant: application.publisher?.display_name ?? 'another organisation',
          scopes,
        },
      ),
      redirectOrigin,
    );
  }
  await ctx.flows.end(flow);
  if (form?.action === 'cancel') {
    const result = { error: 'access_denied', error_description: 'The user declined consent.' };
    return finishInteraction(provider, req, reply, result, redirectOrigin);
  }
  const grant = details.grantId
    ? ((await provider.Grant.find(details.grantId)) ?? new provider.Grant({ accountId, clientId }))
    : new provider.Grant({ accountId, clientId });
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(resource, scopes.join(' '));
  }
  if (user) await recordConsent(input, user, accountId, missing);
  const grantId = await grant.save();
  return finishInteraction(provider, req, reply, { consent: { grantId } }, redirectOrigin, true);
}
