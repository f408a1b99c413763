import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { getTenant } from '../../directory/tenants.ts';
import { GraphError } from '../../errors/graph-errors.ts';
import { customerInsightEntity } from '../../security-score/customer-insights.ts';
import { historyEntity, scoreHistory } from '../../security-score/history.ts';
import { computeSecurityScore, type ScoreReport } from '../../security-score/score.ts';
import { graphCallerOf } from '../gate.ts';
import { type ODataQuery, parseQuery, type ResourceShape } from '../odata.ts';
import { sendEntity, sendPage } from '../responses.ts';

/**
 * Graph beta's partner security score (reference §4.2, namespace microsoft.graph.partner.security;
 * docs/security-score.md): `GET /beta/security/partner/securityScore` with its `requirements`,
 * `history` and `customerInsights`. Only the calling partner tenant's own score: the permission is
 * `partnerTenantsOnly`, so a customer's token (or a partner user's in a customer) is refused.
 *
 * The score is one entity (a singleton navigation property); the reference's example wraps it in
 * `value`, which its resource type and the SDKs do not: Warden answers the entity itself.
 */
const SCORE = 'security/partner/securityScore';
const DECLARE = (operation: string) => ({
  graph: { operation, permission: 'partnerSecurity.read' as const },
});

const text = { type: 'string' } as const;
const REQUIREMENT_SHAPE: ResourceShape = {
  type: 'microsoft.graph.partner.security.securityRequirement',
  properties: Object.fromEntries(
    [
      'id',
      'requirementType',
      'complianceStatus',
      'score',
      'maxScore',
      'state',
      'actionUrl',
      'helpUrl',
      'updatedDateTime',
    ].map((p) => [p, text]),
  ),
};
const HISTORY_SHAPE: ResourceShape = {
  type: 'microsoft.graph.partner.security.securityScoreHistory',
  properties: Object.fromEntries(
    ['id', 'createdDateTime', 'score', 'compliantRequirementsCount', 'totalRequirementsCount'].map((p) => [
      p,
      text,
    ]),
  ),
};
const INSIGHT_SHAPE: ResourceShape = {
  type: 'microsoft.graph.partner.security.customerInsight',
  properties: { tenantId: text, mfa: text },
};
const EXPANDABLE = new Set(['requirements', 'history', 'customerInsights']);

export function partnerSecurityRoutes(api: FastifyInstance, ctx: WardenContext): void {
  const report = async (req: FastifyRequest): Promise<ScoreReport> => {
    const { tenantId } = graphCallerOf(req);
    const tenant = await getTenant(ctx.db, tenantId);
    // The gate admitted a partner tenant's caller; should it have been removed since, refuse.
    if (tenant?.kind !== 'partner')
      throw new GraphError('Authorization_RequestDenied', 'The security score is a partner tenant’s.');
    return computeSecurityScore(ctx.db, tenant, ctx.clock.now(), ctx.config.baseUrl);
  };

  api.get(`/${SCORE}`, { config: DECLARE('partnerSecurity.securityScore.get') }, async (req, reply) => {
    const expand = expandOf(req.query);
    const r = await report(req);
    const entity: Record<string, unknown> = { ...r.score };
    if (expand.has('requirements')) entity.requirements = r.requirements;
    if (expand.has('history')) entity.history = (await scoreHistory(ctx.db, r.score.id)).map(historyEntity);
    if (expand.has('customerInsights')) entity.customerInsights = r.customers.map(customerInsightEntity);
    return sendEntity(reply, {
      baseUrl: ctx.config.baseUrl,
      resource: `${SCORE}/$entity`,
      entity,
      version: 'beta',
    });
  });

  api.get(
    `/${SCORE}/requirements`,
    { config: DECLARE('partnerSecurity.securityScore.requirements.list') },
    async (req, reply) => {
      const query = parseQuery(req.query, REQUIREMENT_SHAPE);
      const rows = (await report(req)).requirements;
      return sendList(req, reply, ctx, `${SCORE}/requirements`, query, rows, (r) => r.id);
    },
  );

  api.get(
    `/${SCORE}/history`,
    { config: DECLARE('partnerSecurity.securityScore.history.list') },
    async (req, reply) => {
      const query = parseQuery(req.query, HISTORY_SHAPE);
      const { tenantId } = graphCallerOf(req);
      // The history is read from the daily snapshots alone: nothing to compute.
      const rows = (await scoreHistory(ctx.db, tenantId)).map(historyEntity);
      return sendList(req, reply, ctx, `${SCORE}/history`, query, rows, (r) => r.createdDateTime);
    },
  );

  api.get(
    `/${SCORE}/customerInsights`,
    { config: DECLARE('partnerSecurity.securityScore.customerInsights.list') },
    async (req, reply) => {
      const query = parseQuery(req.query, INSIGHT_SHAPE);
      const rows = (await report(req)).customers.map(customerInsightEntity);
      rows.sort((a, b) => (a.tenantId < b.tenantId ? -1 : 1));
      return sendList(req, reply, ctx, `${SCORE}/customerInsights`, query, rows, (r) => r.tenantId);
    },
  );
}

/** `$expand` of the score: a comma-separated list of its navigation properties; nothing else is taken. */
function expandOf(query: unknown): Set<string> {
  const q = (query ?? {}) as Record<string, unknown>;
  for (const name of Object.keys(q))
    if (name !== '$expand')
      throw new GraphError('Request_UnsupportedQuery', `The query option ${name} is not supported here.`);
  if (q.$expand === undefined) return new Set();
  if (typeof q.$expand !== 'string')
    throw new GraphError('Request_UnsupportedQuery', '$expand may be given once.');
  const names = q.$expand.split(',').map((s) => s.trim());
  for (const name of names)
    if (!EXPANDABLE.has(name))
      throw new GraphError(
        'Request_UnsupportedQuery',
        `Could not find a navigation property named '${name}' on type 'microsoft.graph.partner.security.partnerSecurityScore'.`,
      );
  return new Set(names);
}

/** A small list, computed whole, served in pages by its key (`$top`, `$skiptoken`, `$select`). */
function sendList<T extends object>(
  req: FastifyRequest,
  reply: FastifyReply,
  ctx: WardenContext,
  resource: string,
  query: ODataQuery,
  rows: T[],
  keyOf: (row: T) => string,
): FastifyReply {
  if (query.filter.length > 0)
    throw new GraphError('Request_UnsupportedQuery', `$filter is not supported on ${resource}.`);
  const after = query.after?.[0];
  if (query.after && (query.after.length !== 1 || typeof after !== 'string'))
    throw new GraphError(
      'Request_UnsupportedQuery',
      '$skiptoken is not valid: follow @odata.nextLink as given.',
    );
  const rest = after === undefined ? rows : rows.filter((row) => keyOf(row) > after);
  return sendPage(req, reply, {
    baseUrl: ctx.config.baseUrl,
    resource,
    rows: rest,
    query,
    keyOf: (row) => [keyOf(row)],
    version: 'beta',
  });
}
