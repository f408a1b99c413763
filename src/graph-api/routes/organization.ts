import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { getOrganization, type Organization, partnerTenantTypeOf } from '../../directory/organization.ts';
import { GraphError } from '../../errors/graph-errors.ts';
import { graphCallerOf } from '../gate.ts';
import { parseQuery, type ResourceShape } from '../odata.ts';
import { sendEntity, sendPage } from '../responses.ts';

const PROPERTIES = [
  'id',
  'businessPhones',
  'city',
  'country',
  'countryLetterCode',
  'createdDateTime',
  'defaultUsageLocation',
  'deletedDateTime',
  'displayName',
  'marketingNotificationEmails',
  'onPremisesLastSyncDateTime',
  'onPremisesSyncEnabled',
  'partnerTenantType',
  'postalCode',
  'preferredLanguage',
  'state',
  'street',
  'technicalNotificationMails',
  'tenantType',
  'verifiedDomains',
] as const;

const ORGANIZATION_SHAPE: ResourceShape = {
  type: 'microsoft.graph.organization',
  properties: Object.fromEntries(PROPERTIES.map((name) => [name, { type: 'string' }])),
};

/**
 * Graph's `organization` of a tenant. Warden keeps one domain per tenant: it is the default and
 * the initial one, managed (no federation), with no Microsoft 365 service behind it (capabilities
 * "None"). Warden keeps no address, phones or notification mails: null or empty, never made up.
 * No directory is synchronised from on-premises, so the sync properties are null, as Graph gives
 * them for a cloud-only tenant.
 */
function organizationEntity(org: Organization) {
  const { tenant } = org;
  return {
    id: tenant.id,
    businessPhones: [] as string[],
    city: null,
    country: null,
    countryLetterCode: org.countryLetterCode,
    createdDateTime: new Date(tenant.created_at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    defaultUsageLocation: null,
    deletedDateTime: null,
    displayName: tenant.display_name,
    marketingNotificationEmails: [] as string[],
    onPremisesLastSyncDateTime: null,
    onPremisesSyncEnabled: null,
    partnerTenantType: partnerTenantTypeOf(tenant),
    postalCode: null,
    preferredLanguage: null,
    state: null,
    street: null,
    technicalNotificationMails: [] as string[],
    tenantType: 'AAD',
    verifiedDomains: [
      { capabilities: 'None', isDefault: true, isInitial: true, name: tenant.domain, type: 'Managed' },
    ],
  };
}

/** Graph `/organization`: the caller's own tenant, the only one (a list of one, as Graph gives). */
export function organizationRoutes(api: FastifyInstance, ctx: WardenContext): void {
  const baseUrl = ctx.config.baseUrl;
  const own = async (tenantId: string) => {
    const org = await getOrganization(ctx.db, tenantId);
    if (!org) throw new GraphError('Request_ResourceNotFound', `Resource '${tenantId}' does not exist.`);
    return organizationEntity(org);
  };

  api.get(
    '/organization',
    { config: { graph: { operation: 'organization.list', permission: 'organization.read' } } },
    async (req, reply) => {
      const query = parseQuery(req.query, ORGANIZATION_SHAPE);
      if (query.filter.length > 0 || query.after !== undefined)
        throw new GraphError('Request_UnsupportedQuery', 'Only $select and $top apply to organization.');
      const { tenantId } = graphCallerOf(req);
      return sendPage(req, reply, {
        baseUrl,
        resource: 'organization',
        rows: [await own(tenantId)],
        query,
        keyOf: (row) => [row.id],
      });
    },
  );

  api.get<{ Params: { id: string } }>(
    '/organization/:id',
    { config: { graph: { operation: 'organization.get', permission: 'organization.read' } } },
    async (req, reply) => {
      const query = parseQuery(req.query, ORGANIZATION_SHAPE);
      const { tenantId } = graphCallerOf(req);
      // Another tenant's organization is as unknown here as one that does not exist.
      if (req.params.id.toLowerCase() !== tenantId)
        throw new GraphError('Request_ResourceNotFound', `Resource '${req.params.id}' does not exist.`);
      return sendEntity(reply, {
        baseUrl,
        resource: 'organization/$entity',
        entity: await own(tenantId),
        ...(query.select ? { select: query.select } : {}),
      });
    },
  );
}
