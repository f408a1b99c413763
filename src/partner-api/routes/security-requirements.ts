import type { FastifyInstance } from 'fastify';
import { applicationAdoption, nonMfaPrincipals, recentPartnerRequests } from '../../compliance/downloads.ts';
import { partnerStatus } from '../../compliance/status.ts';
import type { WardenContext } from '../../context.ts';
import { APP_USER_ONLY } from '../declarations.ts';
import { collection } from '../responses.ts';
import { partnerOf } from './caller.ts';

/** Warden's `?surface=` of the principals' download: Partner Center's is the portal's (the dashboard). */
const SURFACES = { dashboard: 'dashboard', api: 'api-app-user' } as const;

/**
 * The security requirements status downloads of Partner Center's REST API (SPEC §11, reference
 * §4.1), App+User only as Partner Center's are, plus Warden's own `GET /v1/securityRequirementsStatus`
 * (the stored daily figures), which `warden compliance status` reads. Every answer is the calling
 * partner's own: the tenant comes from the token.
 */
export function securityRequirementsRoutes(api: FastifyInstance, ctx: WardenContext): void {
  const declaration = (operation: string) => ({
    partnerApi: {
      operation,
      category: 'security-requirements' as const,
      modes: APP_USER_ONLY,
      access: 'read' as const,
    },
  });

  // "Portal requests without MFA": the partner's users whose dashboard operations lacked the MFA
  // proof in the last 7 days (pc:developer/get-portal-requests-without-mfa.md).
  api.get<{ Querystring: { surface?: keyof typeof SURFACES } }>(
    '/nonMfaCompliantPartnerPrincipals',
    {
      config: declaration('securityrequirements.nonmfaprincipals'),
      schema: {
        querystring: {
          type: 'object',
          properties: { surface: { type: 'string', enum: Object.keys(SURFACES) } },
        },
      },
    },
    async (req) => {
      const surface = SURFACES[req.query.surface ?? 'dashboard'];
      const items = await nonMfaPrincipals(ctx.db, partnerOf(req).id, ctx.clock.now(), surface);
      return collection(items, req.url);
    },
  );

  // "API requests summary": App+User requests per application per day, a bare JSON array
  // (pc:developer/get-api-request-summary.md).
  api.get(
    '/applicationmfaadoptionstatus',
    { config: declaration('securityrequirements.applicationmfaadoption') },
    async (req) => applicationAdoption(ctx.db, partnerOf(req).id, ctx.clock.now()),
  );

  // "All API requests": the 10,000 most recent App+User requests (pc:developer/get-api-request-details.md).
  api.get('/partnerRequests', { config: declaration('securityrequirements.partnerrequests') }, async (req) =>
    collection(await recentPartnerRequests(ctx.db, partnerOf(req).id), req.url),
  );

  // Warden's: the stored daily figures, the newest and up to `days` days of history.
  api.get<{ Querystring: { days?: number } }>(
    '/securityRequirementsStatus',
    {
      config: declaration('securityrequirements.status'),
      schema: {
        querystring: {
          type: 'object',
          properties: { days: { type: 'integer', minimum: 1, maximum: 90 } },
        },
      },
    },
    async (req) => {
      const { current, history } = await partnerStatus(
        ctx.db,
        partnerOf(req).id,
        ctx.clock.now(),
        req.query.days ?? 30,
      );
      return { current: current ?? null, history };
    },
  );
}
