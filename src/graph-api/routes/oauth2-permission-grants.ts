import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { listUserConsents, type UserConsent } from '../../directory/user-consents.ts';
import { GraphError } from '../../errors/graph-errors.ts';
import { graphCallerOf } from '../gate.ts';
import { type FilterClause, idAfter, parseQuery, type ResourceShape } from '../odata.ts';
import { sendPage } from '../responses.ts';

const RESOURCE = 'oauth2PermissionGrants';

const SHAPE: ResourceShape = {
  type: 'microsoft.graph.oAuth2PermissionGrant',
  properties: {
    id: { type: 'string' },
    clientId: { type: 'string', filter: ['eq'] },
    consentType: { type: 'string', filter: ['eq'] },
    principalId: { type: 'guid', filter: ['eq'] },
    resourceId: { type: 'string' },
    scope: { type: 'string' },
  },
};

export interface GraphOAuth2PermissionGrant {
  id: string;
  clientId: string;
  consentType: 'Principal';
  principalId: string;
  resourceId: string;
  scope: string;
}

/**
 * Graph's shape of a consent record. Graph names service principals by object id; Warden has no
 * service-principal objects for its resources, so `resourceId` is the resource's identifier
 * (`urn:warden:graph`, `urn:warden:partner-api`, `openid` for the authority's own scopes) and
 * `scope` lists the scopes without that prefix, space-separated, as Graph does (`.default`, which
 * only names the application's configured permissions, is left out).
 */
export function graphPermissionGrant(consent: UserConsent): GraphOAuth2PermissionGrant {
  const prefix = `${consent.resource}/`;
  return {
    id: consent.id,
    clientId: consent.clientId,
    consentType: 'Principal',
    principalId: consent.userId,
    resourceId: consent.resource,
    scope: consent.scopes
      .map((s) => (s.startsWith(prefix) ? s.slice(prefix.length) : s))
      .filter((s) => s !== '.default') // Entra lists the permissions `.default` stood for, never it
      .join(' '),
  };
}

function stringValue(clause: FilterClause): string {
  if (typeof clause.value !== 'string')
    throw new GraphError('Request_UnsupportedQuery', `'${clause.property}' is compared with a string.`);
  return clause.value;
}

/**
 * Graph's `oauth2PermissionGrants` (SPEC §10, issue 12 item 2): the users' consents to third-party
 * applications in the caller's tenant, read-only. Every one was given with MFA (the sign-in and
 * the consent page refuse otherwise); the proof itself (`amr`, `acr`, `auth_time`) is kept in the
 * record and in the audit log's "Consent to application" event. Read with the permission that
 * reads applications (Entra: Directory.Read.All, Global Administrator, directory readers).
 */
export function oauth2PermissionGrantsRoutes(api: FastifyInstance, ctx: WardenContext): void {
  api.get(
    `/${RESOURCE}`,
    { config: { graph: { operation: 'oauth2PermissionGrants.list', permission: 'applications.read' } } },
    async (req, reply) => {
      const { tenantId } = graphCallerOf(req);
      const query = parseQuery(req.query, SHAPE);
      const after = idAfter(query);
      let clientId: string | undefined;
      let userId: string | undefined;
      for (const clause of query.filter) {
        if (clause.property === 'clientId') clientId = stringValue(clause);
        else if (clause.property === 'principalId') userId = stringValue(clause);
        // Every record is a user's own consent; Warden records no admin consent (AllPrincipals).
        else if (clause.property === 'consentType' && stringValue(clause) !== 'Principal')
          return sendPage(req, reply, {
            baseUrl: ctx.config.baseUrl,
            resource: RESOURCE,
            rows: [],
            query,
            keyOf: () => [],
          });
      }
      const rows = await listUserConsents(ctx.db, tenantId, {
        ...(after !== undefined ? { afterId: after } : {}),
        ...(clientId !== undefined ? { clientId } : {}),
        ...(userId !== undefined ? { userId } : {}),
        limit: query.top + 1,
      });
      return sendPage(req, reply, {
        baseUrl: ctx.config.baseUrl,
        resource: RESOURCE,
        rows: rows.map(graphPermissionGrant),
        query,
        keyOf: (row) => [row.id],
      });
    },
  );
}
