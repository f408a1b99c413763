import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { GraphError } from '../../errors/graph-errors.ts';
import { queryRegistrationDetails, REGISTRATION_SQL } from '../../reports/registration-details.ts';
import { graphCallerOf } from '../gate.ts';
import { type FilterClause, idAfter, parseQuery, type ResourceShape } from '../odata.ts';
import { sendEntity, sendPage } from '../responses.ts';
import { filterConditions } from '../sql-filter.ts';

const RESOURCE = 'reports/authenticationMethods/userRegistrationDetails';

const SHAPE: ResourceShape = {
  type: 'microsoft.graph.userRegistrationDetails',
  properties: {
    id: { type: 'string' },
    userPrincipalName: { type: 'string', filter: ['eq', 'startswith'] },
    userDisplayName: { type: 'string' },
    userType: { type: 'string', filter: ['eq'] },
    isAdmin: { type: 'boolean', filter: ['eq'] },
    isMfaRegistered: { type: 'boolean', filter: ['eq'] },
    isMfaCapable: { type: 'boolean', filter: ['eq'] },
    isPasswordlessCapable: { type: 'boolean' },
    methodsRegistered: { type: 'string' },
    defaultMfaMethod: { type: 'string' },
    isSsprRegistered: { type: 'boolean', filter: ['eq'] },
    isSsprEnabled: { type: 'boolean', filter: ['eq'] },
    isSsprCapable: { type: 'boolean', filter: ['eq'] },
    isSystemPreferredAuthenticationMethodEnabled: { type: 'boolean', filter: ['eq'] },
    systemPreferredAuthenticationMethods: { type: 'string' },
    userPreferredMethodForSecondaryAuthentication: { type: 'string' },
    lastUpdatedDateTime: { type: 'dateTime' },
  },
};

function boolean(clause: FilterClause): boolean {
  if (typeof clause.value !== 'boolean')
    throw new GraphError('Request_UnsupportedQuery', `'${clause.property}' is compared with true or false.`);
  return clause.value;
}

const TARGETS = {
  userPrincipalName: { column: 'u.user_principal_name', caseInsensitive: true },
  isAdmin: { condition: (c: FilterClause) => REGISTRATION_SQL.isAdmin(boolean(c)) },
  isMfaRegistered: { condition: (c: FilterClause) => REGISTRATION_SQL.isMfaRegistered(boolean(c)) },
  // Capable = registered: every method Warden has is allowed (src/reports/registration-details.ts).
  isMfaCapable: { condition: (c: FilterClause) => REGISTRATION_SQL.isMfaRegistered(boolean(c)) },
  // Reference §6.3, §3.5: no user has SSPR or system-preferred MFA until Warden has them.
  isSsprRegistered: { condition: (c: FilterClause) => REGISTRATION_SQL.noneYet(boolean(c)) },
  isSsprEnabled: { condition: (c: FilterClause) => REGISTRATION_SQL.noneYet(boolean(c)) },
  isSsprCapable: { condition: (c: FilterClause) => REGISTRATION_SQL.noneYet(boolean(c)) },
  isSystemPreferredAuthenticationMethodEnabled: {
    condition: (c: FilterClause) => REGISTRATION_SQL.noneYet(boolean(c)),
  },
  userType: {
    condition: (c: FilterClause) => {
      if (c.value !== 'member' && c.value !== 'guest')
        throw new GraphError('Request_UnsupportedQuery', "userType is 'member' or 'guest'.");
      return REGISTRATION_SQL.userType(c.value);
    },
  },
} as const;

/**
 * Graph's `reports/authenticationMethods/userRegistrationDetails` (issue 4 item 1): who in the
 * caller's tenant has registered for MFA, so an administrator can find the accounts SPEC R1 still
 * waits on (`$filter=isMfaRegistered eq false`).
 */
export function registrationDetailsRoutes(api: FastifyInstance, ctx: WardenContext): void {
  api.get(
    `/${RESOURCE}`,
    { config: { graph: { operation: 'userRegistrationDetails.list', permission: 'reports.read' } } },
    async (req, reply) => {
      const { tenantId } = graphCallerOf(req);
      const query = parseQuery(req.query, SHAPE);
      const after = idAfter(query);
      const rows = await queryRegistrationDetails(ctx.db, tenantId, {
        conditions: filterConditions(query.filter, TARGETS),
        ...(after !== undefined ? { afterId: after } : {}),
        limit: query.top + 1,
      });
      return sendPage(req, reply, {
        baseUrl: ctx.config.baseUrl,
        resource: RESOURCE,
        rows,
        query,
        keyOf: (row) => [row.id],
      });
    },
  );

  api.get<{ Params: { id: string } }>(
    `/${RESOURCE}/:id`,
    { config: { graph: { operation: 'userRegistrationDetails.get', permission: 'reports.read' } } },
    async (req, reply) => {
      const { tenantId } = graphCallerOf(req);
      const { select } = parseQuery(req.query, SHAPE);
      const [details] = await queryRegistrationDetails(ctx.db, tenantId, {
        conditions: filterConditions([{ property: 'id', operator: 'eq', value: req.params.id }], {
          id: { column: 'u.id' },
        }),
        limit: 1,
      });
      if (!details)
        throw new GraphError(
          'Request_ResourceNotFound',
          `No user with id '${req.params.id}' in this tenant.`,
        );
      return sendEntity(reply, {
        baseUrl: ctx.config.baseUrl,
        resource: `${RESOURCE}/$entity`,
        entity: details,
        ...(select ? { select } : {}),
      });
    },
  );
}
