import { OIDC_SCOPES_RESOURCE, recordUserConsent } from '../directory/user-consents.ts';
import { acrFor } from '../policy/acr.ts';
import { serviceProviderAccountId } from '../sessions/service-provider-account.ts';
import type { Db } from '../storage/database.ts';
import { GRAPH_API } from '../tokens/audiences.ts';

/**
 * SPEC §10 in the demo: one consent to a third-party application, as the sign-in records it
 * (src/sign-in/consent-record.ts) — Jane, Contoso's Admin agent, at Woodgrove's authority through
 * the active GDAP relationship, consented to Contoso's SAM app with MFA. Woodgrove's Graph
 * `oauth2PermissionGrants` and audit log show it.
 */
export async function seedConsentDemo(
  db: Db,
  dbKind: 'sqlite' | 'postgres',
  input: {
    customerTenantId: string;
    agent: { tenantId: string; userId: string; upn: string };
    application: { id: string; displayName: string };
  },
  now: number,
): Promise<void> {
  const amr = ['pwd', 'otp', 'mfa'];
  await recordUserConsent(
    db,
    dbKind,
    {
      tenantId: input.customerTenantId,
      accountId: serviceProviderAccountId({ homeTenantId: input.agent.tenantId, userId: input.agent.userId }),
      homeTenantId: input.agent.tenantId,
      userId: input.agent.userId,
      userPrincipalName: input.agent.upn,
      clientId: input.application.id,
      clientName: input.application.displayName,
      scopes: {
        [OIDC_SCOPES_RESOURCE]: ['openid', 'profile', 'offline_access'],
        [GRAPH_API]: [`${GRAPH_API}/Directory.AccessAsUser.All`],
      },
      proof: { amr, acr: acrFor(amr), authTime: Math.floor(now / 1000) },
    },
    now,
  );
}
