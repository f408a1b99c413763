import type { WardenContext } from '../context.ts';
import type { Tenant } from '../directory/tenants.ts';
import { OIDC_SCOPES_RESOURCE, recordUserConsent } from '../directory/user-consents.ts';
import { getUser, type User } from '../directory/users.ts';
import type { RequirementPolicy } from '../policy/sign-in-requirement.ts';
import { parseServiceProviderAccountId } from '../sessions/service-provider-account.ts';
import { recordSignIn } from '../sign-in-logs/sign-in-log.ts';
import type { ConsentRequest, MissingGrant } from './consent-request.ts';

/** The policy named in the sign-in log when a consent is refused for want of MFA (SPEC §10). */
const CONSENT_POLICY: RequirementPolicy = 'consent:thirdPartyApplication';

/**
 * The person behind the account of a consent: a tenant's own user, or (SPEC E3) a partner user
 * whose account at a customer's authority is `sp:{home}:{user}`. Undefined when the account no
 * longer resolves to a user (the caller refuses the consent).
 */
export async function consentingUser(
  ctx: WardenContext,
  tenant: Tenant,
  accountId: string,
): Promise<User | undefined> {
  const partner = parseServiceProviderAccountId(accountId);
  return partner
    ? getUser(ctx.db, partner.homeTenantId, partner.userId)
    : getUser(ctx.db, tenant.id, accountId);
}

/**
 * SPEC §10: a consent page reached without `mfa` in the session is refused.
 * Both earlier guards (the policy's MFA requirement, the login check) should make this
 * unreachable, so it is logged loudly and written to the sign-in log as 50074 (MFA required).
 */
export async function refuseConsentWithoutMfa(input: ConsentRequest, user: User | undefined): Promise<void> {
  const { ctx, tenant, details, req } = input;
  ctx.log.warn(
    { tenantId: tenant.id, clientId: input.client?.clientId, accountId: details.session?.accountId },
    'consent to a third-party application refused: the session has no MFA proof',
  );
  await recordSignIn(ctx.db, {
    resourceTenantId: tenant.id,
    homeTenantId: user?.tenantId ?? null,
    userId: user?.id ?? null,
    userPrincipalName: user?.userPrincipalName ?? null,
    appId: input.client?.clientId ?? String(details.params.client_id),
    ipAddress: req.ip,
    clientAppUsed: 'Browser',
    isInteractive: true,
    errorCode: 50074,
    failureReason: 'Consent to an application of another organisation requires multi-factor authentication.',
    authenticationRequirement: 'multiFactorAuthentication',
    requirementPolicy: CONSENT_POLICY,
    steps: [],
    correlationId: input.flow.id,
    createdAt: ctx.clock.now(),
  });
  ctx.metrics?.signIn(50074, true);
}

/**
 * Records an accepted consent (src/directory/user-consents.ts): who, which application, the
 * scopes consented by resource, when (Warden's clock), and the session's `amr`, `acr` and
 * `auth_time`.
 */
export async function recordConsent(
  input: ConsentRequest,
  user: User,
  accountId: string,
  missing: MissingGrant,
): Promise<void> {
  const { ctx, provider, details, tenant, client } = input;
  const session = details.session?.uid ? await provider.Session.findByUid(details.session.uid) : undefined;
  const clientId = client?.clientId ?? String(details.params.client_id);
  await recordUserConsent(
    ctx.db,
    ctx.dbKind,
    {
      tenantId: tenant.id,
      accountId,
      homeTenantId: user.tenantId,
      userId: user.id,
      userPrincipalName: user.userPrincipalName,
      clientId,
      clientName: String(client?.clientName ?? clientId),
      scopes: scopesByResource(missing),
      proof: {
        amr: details.session?.amr ?? [],
        acr: details.session?.acr ?? null,
        authTime: typeof session?.loginTs === 'number' ? session.loginTs : null,
      },
    },
    ctx.clock.now(),
  );
}

/**
 * The scopes of a consent by resource. oidc-provider lists every requested scope it knows in
 * `missingOIDCScope`, the resource servers' ones included (they are among the provider's scopes);
 * those are filed under their resource only.
 */
function scopesByResource(missing: MissingGrant): Record<string, string[]> {
  const resources = missing.missingResourceScopes ?? {};
  const ofResource = (scope: string) =>
    Object.entries(resources).some(
      ([resource, scopes]) => scopes.includes(scope) || scope.startsWith(`${resource}/`),
    );
  return {
    [OIDC_SCOPES_RESOURCE]: (missing.missingOIDCScope ?? []).filter((scope) => !ofResource(scope)),
    ...resources,
  };
}
