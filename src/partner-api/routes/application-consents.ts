import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { getApplication } from '../../directory/applications.ts';
import { PartnerApiError } from '../../errors/partner-api-errors.ts';
import {
  type ConsentGrant,
  ConsentGrantError,
  MICROSOFT_GRAPH_APP_ID,
  parseGrants,
} from '../../service-principals/consent-grants.ts';
import {
  consentApplication,
  listServicePrincipals,
  removeServicePrincipal,
  type ServicePrincipal,
} from '../../service-principals/service-principals.ts';
import { GRAPH_API } from '../../tokens/audiences.ts';
import { APP_USER_ONLY, type RouteDeclaration } from '../declarations.ts';
import { collection, iso } from '../responses.ts';
import { auditActorOf, callerOf, delegatedCustomerOf } from './caller.ts';

/**
 * Partner Center's application-consent API (CPV; reference §3.3): a partner's multi-tenant app
 * consented into a customer tenant, which then holds it as a service principal with the grants.
 * App+User with MFA only (the gate; §3.3: explicit app-only consent is not offered), AdminAgents
 * in the partner tenant and, in the customer, Global Administrator, Application Administrator or
 * Cloud Application Administrator through GDAP (`applications.consent` of delegated-roles.ts).
 */

const declare = (operation: string, access: 'read' | 'write'): { partnerApi: RouteDeclaration } => ({
  partnerApi: {
    operation,
    category: 'application-consent',
    modes: APP_USER_ONLY,
    access,
    delegated: access === 'read' ? 'applications.read' : 'applications.consent',
  },
});

const CONSENT_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['applicationId', 'applicationGrants'],
  properties: {
    applicationId: { type: 'string', minLength: 1, maxLength: 64 },
    displayName: { type: 'string', minLength: 1, maxLength: 256 },
    applicationGrants: {
      type: 'array',
      minItems: 1,
      maxItems: 20,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['enterpriseApplicationId', 'scope'],
        properties: {
          enterpriseApplicationId: { type: 'string', minLength: 1, maxLength: 128 },
          scope: { type: 'string', minLength: 1, maxLength: 4000 },
        },
      },
    },
    attributes: { type: 'object' },
  },
} as const;

interface ConsentBody {
  applicationId: string;
  displayName?: string;
  applicationGrants: { enterpriseApplicationId: string; scope: string }[];
}

const PARAMS = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    applicationId: { type: 'string', minLength: 1, maxLength: 64 },
  },
  required: ['id'],
} as const;

/** Graph answers under Microsoft's id, the one CPV callers send (reference appendix). */
function enterpriseApplicationIdOf(resource: string): string {
  return resource === GRAPH_API ? MICROSOFT_GRAPH_APP_ID : resource;
}

/** Partner Center's `ApplicationConsent`, with who consented and when (Warden's additions). */
export function applicationConsentShape(sp: ServicePrincipal, customerId: string) {
  return {
    applicationId: sp.appId,
    displayName: sp.displayName,
    customerId,
    applicationGrants: sp.grants.map((g: ConsentGrant) => ({
      enterpriseApplicationId: enterpriseApplicationIdOf(g.resource),
      scope: g.scopes.join(','),
    })),
    consentedBy: sp.consentedBy.name,
    createdDateTime: iso(sp.createdAt),
    attributes: { objectType: 'ApplicationConsent' },
  };
}

function grantsOf(body: ConsentBody): ConsentGrant[] {
  try {
    return parseGrants(body.applicationGrants);
  } catch (error) {
    if (!(error instanceof ConsentGrantError)) throw error;
    const p = error.problem;
    if (p.code === 'unknown_resource')
      throw new PartnerApiError('unknown_resource', error.message, [
        { enterpriseApplicationId: p.enterpriseApplicationId },
      ]);
    if (p.code === 'unknown_permission')
      throw new PartnerApiError('unknown_permission', error.message, [
        { resource: p.resource, names: p.names },
      ]);
    throw new PartnerApiError('invalid_request', error.message);
  }
}

/** The partner's own multi-tenant application named by `applicationId`, which must be the caller's. */
async function consentableApplication(ctx: WardenContext, req: FastifyRequest, applicationId: string) {
  const caller = callerOf(req);
  if (applicationId !== caller.appId)
    throw new PartnerApiError(
      'application_id_mismatch',
      `applicationId ${applicationId} is not the application of your token (${caller.appId}).`,
    );
  const app = await getApplication(ctx.db, caller.tenant.id, applicationId);
  if (!app?.multiTenant) throw new PartnerApiError('application_not_consentable');
  return app;
}

export function applicationConsentRoutes(api: FastifyInstance, ctx: WardenContext): void {
  api.get<{ Params: { id: string } }>(
    '/customers/:id/applicationconsents',
    { config: declare('applicationconsents.list', 'read'), schema: { params: PARAMS } },
    async (req) => {
      const customer = delegatedCustomerOf(req);
      const consents = await listServicePrincipals(ctx.db, customer.customerTenantId, {
        consentedByTenantId: callerOf(req).tenant.id,
      });
      return collection(
        consents.map((sp) => applicationConsentShape(sp, customer.id)),
        req.url,
      );
    },
  );

  api.post<{ Params: { id: string }; Body: ConsentBody }>(
    '/customers/:id/applicationconsents',
    {
      config: declare('applicationconsents.create', 'write'),
      schema: { params: PARAMS, body: CONSENT_BODY },
    },
    async (req, reply) => {
      const customer = delegatedCustomerOf(req);
      const caller = callerOf(req);
      if (caller.mode !== 'app+user') throw new PartnerApiError('app_only_not_allowed');
      const app = await consentableApplication(ctx, req, req.body.applicationId);
      const grants = grantsOf(req.body);
      const { servicePrincipal, created } = await consentApplication(
        ctx.db,
        {
          tenantId: customer.customerTenantId,
          appId: app.id,
          appTenantId: app.tenantId,
          displayName: req.body.displayName ?? app.displayName,
          consentedBy: { tenantId: caller.tenant.id, userId: caller.userId, name: caller.userPrincipalName },
          grants,
        },
        auditActorOf(req),
        ctx.clock.now(),
      );
      // An existing consent is answered as it stands (reference §3.3: callers treat "already
      // exists" as success); its grants change only by removing it and consenting again.
      if (created)
        reply.code(201).header('Location', `${req.url.replace(/\/+$/, '')}/${encodeURIComponent(app.id)}`);
      return applicationConsentShape(servicePrincipal, customer.id);
    },
  );

  api.delete<{ Params: { id: string; applicationId: string } }>(
    '/customers/:id/applicationconsents/:applicationId',
    { config: declare('applicationconsents.delete', 'write'), schema: { params: PARAMS } },
    async (req, reply) => {
      const customer = delegatedCustomerOf(req);
      const removed = await removeServicePrincipal(
        ctx.db,
        customer.customerTenantId,
        req.params.applicationId,
        { consentedByTenantId: callerOf(req).tenant.id },
        auditActorOf(req),
        ctx.clock.now(),
      );
      if (!removed)
        throw new PartnerApiError(
          'not_found',
          `${customer.companyName} has no consent of application ${req.params.applicationId} by your organisation.`,
        );
      return reply.code(204).send();
    },
  );
}
