import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { changeUsersRisk } from '../../directory/risk-actions.ts';
import { getUser, type User } from '../../directory/users.ts';
import { GraphError } from '../../errors/graph-errors.ts';
import { isGuid } from '../../guid.ts';
import { queryRiskDetections, queryRiskyUsers } from '../../identity-protection/risk-queries.ts';
import { graphCallerOf } from '../gate.ts';
import { idAfter, parseQuery, type ResourceShape } from '../odata.ts';
import { sendEntity, sendPage } from '../responses.ts';
import { filterConditions } from '../sql-filter.ts';
import { auditActorOf } from './delegated-admin-shape.ts';

/**
 * Graph's ID Protection (SPEC §9, issue 15 item 6, reference entra-identity §6.1):
 * `identityProtection/riskyUsers` (list, get, dismiss, confirmCompromised) and
 * `identityProtection/riskDetections` (list, get), of the caller's tenant only.
 */
const RISKY_USERS = 'identityProtection/riskyUsers';
const DETECTIONS = 'identityProtection/riskDetections';

const RISKY_USER_SHAPE: ResourceShape = {
  type: 'microsoft.graph.riskyUser',
  properties: {
    id: { type: 'string', filter: ['eq'] },
    isDeleted: { type: 'boolean' },
    isProcessing: { type: 'boolean' },
    riskLastUpdatedDateTime: { type: 'dateTime' },
    riskLevel: { type: 'string', filter: ['eq'] },
    riskState: { type: 'string', filter: ['eq'] },
    riskDetail: { type: 'string', filter: ['eq'] },
    userDisplayName: { type: 'string' },
    userPrincipalName: { type: 'string', filter: ['eq'] },
  },
};

const DETECTION_SHAPE: ResourceShape = {
  type: 'microsoft.graph.riskDetection',
  properties: {
    id: { type: 'string' },
    requestId: { type: 'string' },
    correlationId: { type: 'string' },
    riskEventType: { type: 'string', filter: ['eq'] },
    riskState: { type: 'string', filter: ['eq'] },
    riskLevel: { type: 'string', filter: ['eq'] },
    riskDetail: { type: 'string' },
    source: { type: 'string' },
    detectionTimingType: { type: 'string' },
    activity: { type: 'string' },
    tokenIssuerType: { type: 'string' },
    ipAddress: { type: 'string', filter: ['eq'] },
    location: { type: 'string' },
    activityDateTime: { type: 'dateTime' },
    detectedDateTime: { type: 'dateTime', filter: ['ge', 'le'] },
    lastUpdatedDateTime: { type: 'dateTime' },
    userId: { type: 'string', filter: ['eq'] },
    userDisplayName: { type: 'string' },
    userPrincipalName: { type: 'string', filter: ['eq'] },
    additionalInfo: { type: 'string' },
  },
};

const RISKY_USER_TARGETS = {
  id: { column: 'r.user_id' },
  riskLevel: { column: 'r.risk_level' },
  riskState: { column: 'r.risk_state' },
  riskDetail: { column: 'r.risk_detail' },
  userPrincipalName: { column: 'u.user_principal_name', caseInsensitive: true },
} as const;

const DETECTION_TARGETS = {
  id: { column: 'd.id' },
  riskEventType: { column: 'd.risk_event_type' },
  riskState: { column: 'd.risk_state' },
  riskLevel: { column: 'd.risk_level' },
  ipAddress: { column: 'd.ip_address' },
  detectedDateTime: { column: 'd.detected_at' },
  userId: { column: 'd.user_id' },
  userPrincipalName: { column: 'u.user_principal_name', caseInsensitive: true },
} as const;

// Graph's documented limit on the ids of one dismiss or confirmCompromised request.
const MAX_USER_IDS = 60;

const USER_IDS_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['userIds'],
  properties: {
    userIds: { type: 'array', minItems: 1, maxItems: MAX_USER_IDS, items: { type: 'string', maxLength: 64 } },
  },
} as const;

export function identityProtectionRoutes(api: FastifyInstance, ctx: WardenContext): void {
  api.get(
    `/${RISKY_USERS}`,
    { config: { graph: { operation: 'riskyUsers.list', permission: 'identityProtection.riskyUsers.read' } } },
    async (req, reply) => {
      const { tenantId } = graphCallerOf(req);
      const query = parseQuery(req.query, RISKY_USER_SHAPE);
      const after = idAfter(query);
      const rows = await queryRiskyUsers(ctx.db, tenantId, {
        conditions: filterConditions(query.filter, RISKY_USER_TARGETS),
        ...(after !== undefined ? { afterId: after } : {}),
        limit: query.top + 1,
      });
      return sendPage(req, reply, {
        baseUrl: ctx.config.baseUrl,
        resource: RISKY_USERS,
        rows,
        query,
        keyOf: (row) => [row.id],
      });
    },
  );

  api.get<{ Params: { id: string } }>(
    `/${RISKY_USERS}/:id`,
    { config: { graph: { operation: 'riskyUsers.get', permission: 'identityProtection.riskyUsers.read' } } },
    async (req, reply) => {
      const { tenantId } = graphCallerOf(req);
      const { select } = parseQuery(req.query, RISKY_USER_SHAPE);
      const [row] = await queryRiskyUsers(ctx.db, tenantId, {
        conditions: filterConditions(
          [{ property: 'id', operator: 'eq', value: req.params.id }],
          RISKY_USER_TARGETS,
        ),
        limit: 1,
      });
      if (!row) throw new GraphError('Request_ResourceNotFound', `No risky user with id '${req.params.id}'.`);
      return sendEntity(reply, {
        baseUrl: ctx.config.baseUrl,
        resource: `${RISKY_USERS}/$entity`,
        entity: row,
        ...(select ? { select } : {}),
      });
    },
  );

  /** The users named, all of this tenant, or 404 for the first that is not (nothing is changed). */
  async function usersOf(tenantId: string, ids: readonly string[]) {
    const users: User[] = [];
    for (const id of new Set(ids.map((i) => i.toLowerCase()))) {
      const user = isGuid(id) ? await getUser(ctx.db, tenantId, id) : undefined;
      if (!user) throw new GraphError('Request_ResourceNotFound', `No user with id '${id}' in this tenant.`);
      users.push(user);
    }
    return users;
  }

  api.post<{ Body: { userIds: string[] } }>(
    `/${RISKY_USERS}/dismiss`,
    {
      config: {
        graph: { operation: 'riskyUsers.dismiss', permission: 'identityProtection.riskyUsers.write' },
      },
      schema: { body: USER_IDS_BODY },
    },
    async (req, reply) => {
      const caller = graphCallerOf(req);
      const users = await usersOf(caller.tenantId, req.body.userIds);
      // Reference §6.1: the password is unchanged; the users' detections are dismissed too.
      await changeUsersRisk(
        ctx.db,
        caller.user,
        users,
        'dismiss',
        await auditActorOf(ctx, caller),
        ctx.clock.now(),
      );
      return reply.code(204).send();
    },
  );

  api.post<{ Body: { userIds: string[] } }>(
    `/${RISKY_USERS}/confirmCompromised`,
    {
      config: {
        graph: {
          operation: 'riskyUsers.confirmCompromised',
          permission: 'identityProtection.riskyUsers.write',
        },
      },
      schema: { body: USER_IDS_BODY },
    },
    async (req, reply) => {
      const caller = graphCallerOf(req);
      const users = await usersOf(caller.tenantId, req.body.userIds);
      await changeUsersRisk(
        ctx.db,
        caller.user,
        users,
        'confirmCompromised',
        await auditActorOf(ctx, caller),
        ctx.clock.now(),
      );
      return reply.code(204).send();
    },
  );

  api.get(
    `/${DETECTIONS}`,
    {
      config: {
        graph: { operation: 'riskDetections.list', permission: 'identityProtection.riskDetections.read' },
      },
    },
    async (req, reply) => {
      const { tenantId } = graphCallerOf(req);
      const query = parseQuery(req.query, DETECTION_SHAPE);
      const after = idAfter(query);
      const rows = await queryRiskDetections(ctx.db, tenantId, {
        conditions: filterConditions(query.filter, DETECTION_TARGETS),
        ...(after !== undefined ? { afterId: after } : {}),
        limit: query.top + 1,
      });
      return sendPage(req, reply, {
        baseUrl: ctx.config.baseUrl,
        resource: DETECTIONS,
        rows,
        query,
        keyOf: (row) => [row.id],
      });
    },
  );

  api.get<{ Params: { id: string } }>(
    `/${DETECTIONS}/:id`,
    {
      config: {
        graph: { operation: 'riskDetections.get', permission: 'identityProtection.riskDetections.read' },
      },
    },
    async (req, reply) => {
      const { tenantId } = graphCallerOf(req);
      const { select } = parseQuery(req.query, DETECTION_SHAPE);
      const [row] = await queryRiskDetections(ctx.db, tenantId, {
        conditions: filterConditions(
          [{ property: 'id', operator: 'eq', value: req.params.id }],
          DETECTION_TARGETS,
        ),
        limit: 1,
      });
      if (!row)
        throw new GraphError('Request_ResourceNotFound', `No risk detection with id '${req.params.id}'.`);
      return sendEntity(reply, {
        baseUrl: ctx.config.baseUrl,
        resource: `${DETECTIONS}/$entity`,
        entity: row,
        ...(select ? { select } : {}),
      });
    },
  );
}
