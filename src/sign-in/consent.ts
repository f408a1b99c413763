import type { FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import * as views from '../authority-pages/pages.ts';
import type { WardenContext } from '../context.ts';
import { getTenant, type Tenant } from '../directory/tenants.ts';
import type { Flow } from './flow.ts';
import { finishInteraction, sendPage } from './respond.ts';

export type InteractionDetails = Awaited<ReturnType<Provider['interactionDetails']>>;

export interface ConsentRequest {
  ctx: WardenContext;
  provider: Provider;
  details: InteractionDetails;
  tenant: Tenant;
  client: Awaited<ReturnType<Provider['Client']['find']>>;
  flow: Flow;
  req: FastifyRequest;
  reply: FastifyReply;
  form: Record<string, string> | undefined;
  redirectOrigin: string | undefined;
}

/**
 * Consent (issue 2 item 6, "consent when needed"): oidc-provider's `consent` prompt, after the
 * sign-in. An application registered in the same tenant or by the operator is trusted; one from
 * another tenant (multi-tenant app) asks the user first.
 */
export async function handleConsent(input: ConsentRequest): Promise<void> {
  const { ctx, provider, details, tenant, client, flow, req, reply, form, redirectOrigin } = input;
  const clientId = String(details.params.client_id);
  const home = (client as unknown as Record<string, string | undefined> | undefined)?.[
    'urn:warden:home_tenant'
  ];
  const missing = details.prompt.details as {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  // First-party applications (registered by the operator) and the tenant's own need no user consent.
  const publisher = home ? await getTenant(ctx.db, home) : undefined;
  const needsUser = home !== tenant.id && publisher?.kind !== 'operator';
  if (needsUser && !form) {
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
          publisherTenant: publisher?.display_name ?? 'another organisation',
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
    ? ((await provider.Grant.find(details.grantId)) ??
      new provider.Grant({ accountId: details.session!.accountId, clientId }))
    : new provider.Grant({ accountId: details.session!.accountId, clientId });
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(resource, scopes.join(' '));
  }
  const grantId = await grant.save();
  return finishInteraction(provider, req, reply, { consent: { grantId } }, redirectOrigin, true);
}
