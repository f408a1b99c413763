import type { FastifyInstance } from 'fastify';
import { partnerTenants, recalculateFigures } from '../../compliance/daily-job.ts';
import { dayOf, isDay, lastCompleteDay } from '../../compliance/days.ts';
import type { WardenContext } from '../../context.ts';
import { PartnerApiError } from '../../errors/partner-api-errors.ts';
import { canonicalGuid } from '../../guid.ts';
import { APP_USER_ONLY } from '../declarations.ts';
import { collection } from '../responses.ts';

interface RecalculateBody {
  tenantId?: string;
  day?: string;
}

/**
 * The operator's recalculation of the security requirements figures on demand (SPEC §11): one
 * partner or all of them, for one complete UTC day (yesterday unless told), replacing what the
 * daily clock stored. Today is refused: its figures would be partial, and the clock, finding them
 * stored tomorrow, would never complete them.
 */
export function programComplianceRoutes(api: FastifyInstance, ctx: WardenContext): void {
  api.post<{ Body: RecalculateBody | undefined }>(
    '/program/compliance/recalculate',
    {
      config: {
        partnerApi: {
          operation: 'program.compliance.recalculate',
          category: 'program',
          modes: APP_USER_ONLY,
          access: 'write',
        },
      },
      schema: {
        body: {
          type: ['object', 'null'],
          additionalProperties: false,
          properties: {
            tenantId: { type: 'string', format: 'uuid' },
            day: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
          },
        },
      },
    },
    async (req) => {
      const now = ctx.clock.now();
      const day = req.body?.day ?? lastCompleteDay(now);
      if (!isDay(day)) throw new PartnerApiError('invalid_request', `${day} is not a calendar day.`, [day]);
      if (day >= dayOf(now))
        throw new PartnerApiError(
          'invalid_request',
          `${day} is not over yet (UTC): only a complete day's figures can be calculated.`,
          [day],
        );
      const tenantId = canonicalGuid(req.body?.tenantId);
      const partners = (await partnerTenants(ctx.db)).filter((t) => !tenantId || t.id === tenantId);
      if (tenantId && partners.length === 0)
        throw new PartnerApiError('not_found', `No partner tenant ${tenantId}.`, [tenantId]);
      const figures = [];
      for (const tenant of partners) figures.push(await recalculateFigures(ctx.db, tenant, day, now));
      return collection(figures, req.url);
    },
  );
}
