import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { GraphError } from '../../errors/graph-errors.ts';
import { getSignIn, querySignIns, type SignInCursor } from '../../sign-in-logs/sign-in-log.ts';
import { graphCallerOf } from '../gate.ts';
import { type ODataQuery, parseQuery, type ResourceShape } from '../odata.ts';
import { sendEntity, sendPage } from '../responses.ts';
import { filterConditions } from '../sql-filter.ts';

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
      const query = parseQuery(req.query, SIGN_IN_SHAPE, { defaultTop: 100, maxTop: 1000 });
      refuseSubPropertySelect(query);
      const rows = await querySignIns(ctx.db, tenantId, {
        conditions: filterConditions(query.filter, {
          createdDateTime: { column: 's.created_at' },
          userId: { column: 's.user_id' },
          userPrincipalName: { column: 's.user_principal_name', caseInsensitive: true },
          appId: { column: 's.app_id' },
          'status/errorCode': { column: 's.error_code' },
        }),
        ...(query.after ? { after: cursorOf(query.after) } : {}),
        limit: query.top + 1,
      });
      return sendPage(req, reply, {
        baseUrl: ctx.config.baseUrl,
        resource: RESOURCE,
        rows: rows.map(({ cursor, ...signIn }) => ({ ...signIn, [CURSOR]: cursor })),
        query,
        keyOf: (row) => [row[CURSOR].createdAt, row[CURSOR].id],
      });
    },
  );

  api.get<{ Params: { id: string } }>(
    `/${RESOURCE}/:id`,
    { config: { graph: { operation: 'signIns.get', permission: 'auditLogs.read' } } },
    async (req, reply) => {
      const { tenantId } = graphCallerOf(req);
      const query = parseQuery(req.query, SIGN_IN_SHAPE);
      refuseSubPropertySelect(query);
      const signIn = await getSignIn(ctx.db, tenantId, req.params.id);
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
