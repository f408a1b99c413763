import type { FastifyInstance } from 'fastify';
import { type SqlBool, sql } from 'kysely';
import type { WardenContext } from '../../context.ts';
import { GraphError } from '../../errors/graph-errors.ts';
import { locatorOf } from '../../sign-in-logs/location.ts';
import {
  getServicePrincipalSignIn,
  queryServicePrincipalSignIns,
} from '../../sign-in-logs/service-principal-sign-in-log.ts';
import { getSignIn, querySignIns, type SignInCursor } from '../../sign-in-logs/sign-in-log.ts';
import { graphCallerOf } from '../gate.ts';
import { type ODataQuery, parseQuery, type ResourceShape } from '../odata.ts';
import { sendEntity, sendPage } from '../responses.ts';
import { comparison, filterConditions } from '../sql-filter.ts';
import { takeEventType } from './sign-in-event-types.ts';

const RESOURCE = 'auditLogs/signIns';

/** Graph's `signIn` as the query options see it; `status/errorCode` is for `$filter` only. */
const SIGN_IN_SHAPE: ResourceShape = {
  type: 'microsoft.graph.signIn',
  properties: {
    id: { type: 'string' },
    createdDateTime: { type: 'dateTime', filter: ['ge', 'le'] },
    userId: { type: 'guid', filter: ['eq'] },
    userPrincipalName: { type: 'string', filter: ['eq', 'startswith'] },
    userDisplayName: { type: 'string' },
    appId: { type: 'string', filter: ['eq'] },
    appDisplayName: { type: 'string' },
    resourceTenantId: { type: 'string' },
    homeTenantId: { type: 'string' },
    crossTenantAccessType: { type: 'string' },
    ipAddress: { type: 'string' },
    clientAppUsed: { type: 'string' },
    isInteractive: { type: 'boolean' },
    status: { type: 'string' },
    'status/errorCode': { type: 'integer', filter: ['eq'] },
    authenticationRequirement: { type: 'string' },
    authenticationRequirementPolicies: { type: 'string' },
    authenticationDetails: { type: 'string' },
    correlationId: { type: 'string' },
    resourceId: { type: 'string', filter: ['eq'] },
    resourceDisplayName: { type: 'string' },
    userAgent: { type: 'string' },
    deviceDetail: { type: 'string' },
    location: { type: 'string' },
    conditionalAccessStatus: { type: 'string' },
    appliedConditionalAccessPolicies: { type: 'string' },
    riskDetail: { type: 'string' },
    riskLevelAggregated: { type: 'string' },
    riskLevelDuringSignIn: { type: 'string', filter: ['eq'] },
    riskState: { type: 'string' },
    riskEventTypes: { type: 'string' },
    riskEventTypes_v2: { type: 'string' },
  },
};

/** Graph's `signIn` of a service principal (reference §8.2): no user; the app, its credential, the resource. */
const SERVICE_PRINCIPAL_SIGN_IN_SHAPE: ResourceShape = {
  type: 'microsoft.graph.signIn',
  properties: {
    id: { type: 'string' },
    createdDateTime: { type: 'dateTime', filter: ['ge', 'le'] },
    signInEventTypes: { type: 'string' },
    userId: { type: 'string' },
    userPrincipalName: { type: 'string' },
    userDisplayName: { type: 'string' },
    appId: { type: 'string', filter: ['eq'] },
    appDisplayName: { type: 'string' },
    servicePrincipalId: { type: 'string', filter: ['eq'] },
    servicePrincipalName: { type: 'string' },
    resourceId: { type: 'string', filter: ['eq'] },
    resourceDisplayName: { type: 'string' },
    resourceTenantId: { type: 'string' },
    homeTenantId: { type: 'string' },
    crossTenantAccessType: { type: 'string' },
    ipAddress: { type: 'string' },
    clientAppUsed: { type: 'string' },
    clientCredentialType: { type: 'string' },
    isInteractive: { type: 'boolean' },
    status: { type: 'string' },
    'status/errorCode': { type: 'integer', filter: ['eq'] },
    correlationId: { type: 'string' },
  },
};

/**
 * Graph's `auditLogs/signIns` (issue 4 item 1, SPEC §11): the caller's tenant's sign-in log, newest
 * first, filtered in the query, paged by keyset so a script (or `warden signins`) following
 * `@odata.nextLink` gets every row once while new sign-ins keep arriving.
 */
export function signInsRoutes(api: FastifyInstance, ctx: WardenContext): void {
  api.get(
    `/${RESOURCE}`,
    { config: { graph: { operation: 'signIns.list', permission: 'auditLogs.read' } } },
    async (req, reply) => {
      const { tenantId } = graphCallerOf(req);
      const { eventType, query: options } = takeEventType(req.query);
      const paging = { defaultTop: 100, maxTop: 1000 };
      const page = <T extends object>(rows: (T & { cursor: SignInCursor })[], query: ODataQuery) =>
        sendPage(req, reply, {
          baseUrl: ctx.config.baseUrl,
          resource: RESOURCE,
          rows: rows.map(({ cursor, ...signIn }) => ({ ...signIn, [CURSOR]: cursor })),
          query,
          keyOf: (row) => [row[CURSOR].createdAt, row[CURSOR].id],
        });
      if (eventType === 'servicePrincipal') {
        // Issue 12 item 5: the app-only sign-ins (client credentials), a log of their own.
        const query = parseQuery(options, SERVICE_PRINCIPAL_SIGN_IN_SHAPE, paging);
        refuseSubPropertySelect(query);
        const rows = await queryServicePrincipalSignIns(ctx.db, tenantId, {
          conditions: filterConditions(query.filter, {
            createdDateTime: { column: 'p.created_at' },
            appId: { column: 'p.app_id' },
            servicePrincipalId: { column: 'p.service_principal_id' },
            resourceId: { column: 'p.resource_id' },
            'status/errorCode': { column: 'p.error_code' },
          }),
          ...(query.after ? { after: cursorOf(query.after) } : {}),
          limit: query.top + 1,
        });
        return page(rows, query);
      }
      const query = parseQuery(options, SIGN_IN_SHAPE, paging);
      refuseSubPropertySelect(query);
      const rows = await querySignIns(ctx.db, tenantId, {
        conditions: [
          ...filterConditions(query.filter, {
            createdDateTime: { column: 's.created_at' },
            userId: { column: 's.user_id' },
            userPrincipalName: { column: 's.user_principal_name', caseInsensitive: true },
            appId: { column: 's.app_id' },
            resourceId: { column: 's.resource_id' },
            'status/errorCode': { column: 's.error_code' },
            // Rows written before the risk was recorded are `none`, as Graph answers them.
            riskLevelDuringSignIn: {
              condition: (clause) => comparison(sql`coalesce(s.risk_level_during_sign_in, 'none')`, clause),
            },
          }),
          // The user sign-ins, all of them unless the filter picks the interactive or the other ones.
          ...(eventType === undefined
            ? []
            : [sql<SqlBool>`s.is_interactive = ${eventType === 'interactiveUser' ? 1 : 0}`]),
        ],
        ...(query.after ? { after: cursorOf(query.after) } : {}),
        limit: query.top + 1,
        // Issue 14 item 5: placed by the operator's GeoIP table, when there is one.
        locate: locatorOf(ctx.config.geoIpFile),
      });
      return page(rows, query);
    },
  );

  api.get<{ Params: { id: string } }>(
    `/${RESOURCE}/:id`,
    { config: { graph: { operation: 'signIns.get', permission: 'auditLogs.read' } } },
    async (req, reply) => {
      const { tenantId } = graphCallerOf(req);
      const signIn =
        (await getSignIn(ctx.db, tenantId, req.params.id, locatorOf(ctx.config.geoIpFile))) ??
        (await getServicePrincipalSignIn(ctx.db, tenantId, req.params.id));
      const query = parseQuery(
        req.query,
        signIn && 'signInEventTypes' in signIn ? SERVICE_PRINCIPAL_SIGN_IN_SHAPE : SIGN_IN_SHAPE,
      );
      refuseSubPropertySelect(query);
      if (!signIn)
        throw new GraphError(
          'Request_ResourceNotFound',
          `No sign-in with id '${req.params.id}' in this tenant.`,
        );
      return sendEntity(reply, {
        baseUrl: ctx.config.baseUrl,
        resource: `${RESOURCE}/$entity`,
        entity: signIn,
        ...(query.select ? { select: query.select } : {}),
      });
    },
  );
}

// The row's place in the log rides along under a symbol: JSON leaves it out of the answer.
const CURSOR = Symbol('cursor');

function cursorOf(key: (string | number)[]): SignInCursor {
  const [createdAt, id] = key;
  if (key.length !== 2 || !Number.isSafeInteger(createdAt) || typeof id !== 'string')
    throw new GraphError(
      'Request_UnsupportedQuery',
      '$skiptoken is not valid: follow @odata.nextLink as given.',
    );
  return { createdAt: createdAt as number, id };
}

function refuseSubPropertySelect(query: ODataQuery): void {
  const nested = query.select?.find((name) => name.includes('/'));
  if (nested)
    throw new GraphError(
      'Request_UnsupportedQuery',
      `$select takes whole properties: select 'status', not '${nested}'.`,
    );
}
