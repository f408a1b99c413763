import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../../context.ts';
import {
  type ProgramSettings,
  readProgramSettings,
  setExceptionsAccepted,
} from '../../technical-exceptions/program-settings.ts';
import { APP_USER_ONLY } from '../declarations.ts';
import { iso } from '../responses.ts';
import { callerName } from './caller.ts';

function settingsShape(s: ProgramSettings, ended?: number) {
  return {
    technicalExceptionsAccepted: s.technicalExceptionsAccepted,
    lastModifiedDateTime: s.updatedAt === null ? null : iso(s.updatedAt),
    lastModifiedBy: s.updatedBy,
    ...(ended === undefined ? {} : { exceptionsEnded: ended }),
    attributes: { objectType: 'ProgramSettings' },
  };
}

/**
 * The operator's program settings (category `program`, operator-tenant tokens only). Today one:
 * whether the program accepts technical exceptions (SPEC §12, default no). Turning it off ends
 * every approved exception at once; the answer says how many (`exceptionsEnded`).
 */
export function programSettingRoutes(api: FastifyInstance, ctx: WardenContext): void {
  api.get(
    '/program/settings',
    {
      config: {
        partnerApi: {
          operation: 'program.settings.get',
          category: 'program',
          modes: APP_USER_ONLY,
          access: 'read',
        },
      },
    },
    async () => settingsShape(await readProgramSettings(ctx.db)),
  );

  api.put<{ Body: { technicalExceptionsAccepted: boolean } }>(
    '/program/settings',
    {
      config: {
        partnerApi: {
          operation: 'program.settings.update',
          category: 'program',
          modes: APP_USER_ONLY,
          access: 'write',
        },
      },
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['technicalExceptionsAccepted'],
          properties: { technicalExceptionsAccepted: { type: 'boolean' } },
        },
      },
    },
    async (req) => {
      const { settings, ended } = await setExceptionsAccepted(
        ctx.db,
        req.body.technicalExceptionsAccepted,
        callerName(req),
        ctx.clock.now(),
      );
      return settingsShape(settings, ended);
    },
  );
}
