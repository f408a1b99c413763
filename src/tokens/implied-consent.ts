import type { Grant, KoaContextWithOIDC } from 'oidc-provider';
import { isImpliedConsent } from '../directory/third-party-applications.ts';

/**
 * oidc-provider's `loadExistingGrant`: its default (the grant the interaction result names, else
 * the session's grant for the client), and, when the sign-in that just ended was to a first-party
 * application (IMPLIED_CONSENT), that grant with everything the request asks added — the OIDC
 * scopes, the claims and each resource's scopes, read exactly as oidc-provider's consent checks
 * read them (requestParamOIDCScopes, requestParamClaims, resourceServers ∩ requestParamScopes), so
 * the consent prompt finds nothing missing. A third-party application is never given this: its
 * consent is asked, and needs MFA (SPEC §10, src/sign-in/consent.ts).
 */
export async function loadExistingGrant(ctx: KoaContextWithOIDC): Promise<Grant | undefined> {
  const { oidc } = ctx;
  const clientId = oidc.client?.clientId;
  if (!clientId) return undefined;
  const grantId = oidc.result?.consent?.grantId || oidc.session?.grantIdFor(clientId);
  const existing = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
  const accountId = oidc.account?.accountId;
  if (!isImpliedConsent(oidc.result?.consent) || !accountId) return existing;
  const grant = existing ?? new oidc.provider.Grant({ accountId, clientId });
  grant.addOIDCScope(oidc.requestParamOIDCScopes);
  grant.addOIDCClaims(oidc.requestParamClaims);
  for (const [resource, server] of Object.entries(oidc.resourceServers ?? {})) {
    const scopes = [...oidc.requestParamScopes].filter((scope) => server.scopes.has(scope));
    if (scopes.length > 0) grant.addResourceScope(resource, scopes);
  }
  await grant.save();
  return grant;
}
