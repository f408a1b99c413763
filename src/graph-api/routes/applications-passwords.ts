import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../../context.ts';
import {
  addCredential,
  countCredentials,
  generateSecret,
  removeCredential,
} from '../../directory/application-credentials.ts';
import { type Application, getApplicationByObjectId } from '../../directory/applications.ts';
import { applicationChangeRefusal, refuseIf } from '../../directory/refusals.ts';
import { GraphError } from '../../errors/graph-errors.ts';
import { canonicalGuid } from '../../guid.ts';
import { type Db, inTransaction } from '../../storage/database.ts';
import { graphCallerOf, heldAppRoles } from '../gate.ts';
import { sendEntity } from '../responses.ts';
import { graphPasswordCredential } from './applications-shape.ts';

const DAY = 86_400_000;
/** A secret lives 180 days unless told otherwise (Entra's recommended default). */
const DEFAULT_LIFETIME = 180 * DAY;
/** Secrets are for rotation, not for ever: at most two years (Entra's recommended maximum). */
const MAX_YEARS = 2;
/** Enough for overlapping rotations; more is a leak waiting to happen. */
const MAX_SECRETS = 20;

/**
 * The tenant's application a Graph path names: `/applications/{id}` is the application object's
 * id, as in Graph (not the appId); a value that is no GUID names nothing.
 */
export async function applicationAt(db: Db, tenantId: string, id: string): Promise<Application> {
  const objectId = canonicalGuid(id);
  const app = objectId === undefined ? undefined : await getApplicationByObjectId(db, tenantId, objectId);
  if (!app) throw notFound(id);
  return app;
}

export function notFound(id: string): GraphError {
  return new GraphError(
    'Request_ResourceNotFound',
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  );
}

interface AddPasswordBody {
  passwordCredential: { displayName?: string; endDateTime?: string };
}

/**
 * Graph's `addPassword` and `removePassword` (issue 4 item 1). The secret is generated here,
 * answered once in `secretText`, stored only sealed, and never written to a log; afterwards the
 * application shows its keyId, hint and dates only.
 */
export function applicationPasswordRoutes(api: FastifyInstance, ctx: WardenContext): void {
  api.post<{ Params: { id: string }; Body: AddPasswordBody }>(
    '/applications/:id/addPassword',
    {
      config: { graph: { operation: 'applications.addPassword', permission: 'applications.write' } },
      schema: {
        body: {
          type: 'object',
          required: ['passwordCredential'],
          additionalProperties: false,
          properties: {
            passwordCredential: {
              type: 'object',
              additionalProperties: false,
              properties: {
                displayName: { type: 'string', maxLength: 256 },
                endDateTime: { type: 'string', maxLength: 64 },
              },
            },
          },
        },
      },
    },
    async (req, reply) => {
      const caller = graphCallerOf(req);
      const { tenantId } = caller;
      const now = ctx.clock.now();
      const endAt = endOf(req.body.passwordCredential.endDateTime, now);
      const secret = generateSecret();
      const credential = await inTransaction(ctx.db, async (trx) => {
        const app = await applicationAt(trx, tenantId, req.params.id);
        refuseIf(applicationChangeRefusal(caller.user, heldAppRoles(caller), app));
        if (app.clientType === 'public')
          throw new GraphError(
            'Request_BadRequest',
            'A public client cannot hold secrets: it cannot keep them (RFC 8252 §8.5). Register a web application for client credentials.',
          );
        if ((await countCredentials(trx, tenantId, app.id)) >= MAX_SECRETS)
          throw new GraphError(
            'Request_BadRequest',
            `The application already holds ${MAX_SECRETS} secrets; remove one with removePassword first.`,
          );
        return addCredential(
          trx,
          ctx.secrets,
          tenantId,
          app.id,
          { secret, displayName: req.body.passwordCredential.displayName ?? null, endAt },
          now,
        );
      });
      return sendEntity(reply, {
        baseUrl: ctx.config.baseUrl,
        resource: 'microsoft.graph.passwordCredential',
        entity: graphPasswordCredential(credential, secret),
      });
    },
  );

  api.post<{ Params: { id: string }; Body: { keyId: string } }>(
    '/applications/:id/removePassword',
    {
      config: { graph: { operation: 'applications.removePassword', permission: 'applications.write' } },
      schema: {
        body: {
          type: 'object',
          required: ['keyId'],
          additionalProperties: false,
          properties: { keyId: { type: 'string', minLength: 1, maxLength: 64 } },
        },
      },
    },
    async (req, reply) => {
      const caller = graphCallerOf(req);
      const { tenantId } = caller;
      const app = await applicationAt(ctx.db, tenantId, req.params.id);
      refuseIf(applicationChangeRefusal(caller.user, heldAppRoles(caller), app));
      if (!(await removeCredential(ctx.db, tenantId, app.id, req.body.keyId.toLowerCase())))
        throw new GraphError(
          'Request_ResourceNotFound',
          `The application has no password credential with keyId '${req.body.keyId}'.`,
        );
      return reply.code(204).send();
    },
  );
}

/** The secret's end: the given ISO 8601 time, after now and at most two years on; else 180 days. */
function endOf(endDateTime: string | undefined, now: number): number {
  if (endDateTime === undefined) return now + DEFAULT_LIFETIME;
  const end = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(endDateTime)
    ? Date.parse(endDateTime)
    : Number.NaN;
  if (Number.isNaN(end))
    throw new GraphError(
      'Request_BadRequest',
      "Invalid value for 'passwordCredential.endDateTime': use an ISO 8601 time with its offset, e.g. 2026-12-31T00:00:00Z.",
    );
  const latest = new Date(now);
  latest.setUTCFullYear(latest.getUTCFullYear() + MAX_YEARS);
  if (end <= now || end > latest.getTime())
    throw new GraphError(
      'Request_BadRequest',
      `Invalid value for 'passwordCredential.endDateTime': it must be in the future and at most ${MAX_YEARS} years away.`,
    );
  return end;
}
