import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { PartnerApiError } from '../../errors/partner-api-errors.ts';
import { approveException, endException, rejectException } from '../../technical-exceptions/decisions.ts';
import { ExceptionRefusal } from '../../technical-exceptions/refusals.ts';
import {
  fileException,
  getPartnerException,
  getProgramException,
  isOverdue,
  listPartnerExceptions,
  listProgramExceptions,
  REQUEST_CATEGORY,
  REQUEST_TITLE,
  type TechnicalException,
} from '../../technical-exceptions/requests.ts';
import { APP_USER_ONLY, type RouteDeclaration } from '../declarations.ts';
import { collection, iso } from '../responses.ts';
import { callerName, callerOf, partnerOf } from './caller.ts';

/**
 * A request as the Partner API shows it. Partner Center files exceptions as support requests and
 * documents no resource for them, so the shape is Warden's, in Partner Center's conventions
 * (camelCase, `…DateTime` ISO times, `attributes.objectType`). `endDate` is the last day covered
 * (UTC); `coverageEndsDateTime` the moment it stops covering. The operator's view adds who decided.
 */
function exceptionShape(e: TechnicalException, now: number, forOperator: boolean) {
  return {
    id: e.id,
    title: REQUEST_TITLE,
    category: REQUEST_CATEGORY,
    status: e.status,
    partnerTenantId: e.partnerTenantId,
    mfaProduct: e.mfaProduct,
    integration: e.integration,
    selfTest: e.selfTest,
    purchaseReference: e.purchaseReference,
    filedBy: e.filedBy,
    filedDateTime: iso(e.filedAt),
    dueDateTime: iso(e.dueAt),
    overdue: isOverdue(e, now),
    scope: e.scope,
    endDate: e.endsAt === null ? null : iso(e.endsAt - 86_400_000).slice(0, 10),
    coverageEndsDateTime: e.endsAt === null ? null : iso(e.endsAt),
    decidedDateTime: e.decidedAt === null ? null : iso(e.decidedAt),
    ...(forOperator ? { partnerName: e.partnerName ?? null, decidedBy: e.decidedBy } : {}),
    reason: e.reason,
    closedDateTime: e.closedAt === null ? null : iso(e.closedAt),
    attributes: { objectType: 'TechnicalException' },
  };
}

/** The domain's refusal as the Partner API's error (the codes are entries of its catalogue). */
async function answering<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ExceptionRefusal) throw new PartnerApiError(error.code, error.message);
    throw error;
  }
}

const ID = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', format: 'uuid' } },
} as const;

function declare(operation: string, category: RouteDeclaration['category'], access: 'read' | 'write') {
  return { partnerApi: { operation, category, modes: APP_USER_ONLY, access } };
}

interface FileBody {
  mfaProduct: string;
  integration: string;
  selfTest: unknown;
  purchaseReference: string;
}

/**
 * SPEC §12, the partner's side: "MFA - Request for exception", filed by a Global admin or an Admin
 * agent (ACCESS `technical-exceptions`) signed in with MFA (the category is never covered by an
 * exception itself, technical-exceptions/scope.ts), and the partner's own requests.
 */
function partnerRoutes(api: FastifyInstance, ctx: WardenContext): void {
  api.get(
    '/technicalExceptions',
    { config: declare('technicalexceptions.list', 'technical-exceptions', 'read') },
    async (req) => {
      const now = ctx.clock.now();
      const items = await listPartnerExceptions(ctx.db, partnerOf(req).id, now);
      return collection(
        items.map((e) => exceptionShape(e, now, false)),
        req.url,
      );
    },
  );

  api.get<{ Params: { id: string } }>(
    '/technicalExceptions/:id',
    { config: declare('technicalexceptions.get', 'technical-exceptions', 'read'), schema: { params: ID } },
    async (req) => {
      const now = ctx.clock.now();
      const found = await getPartnerException(ctx.db, partnerOf(req).id, req.params.id, now);
      if (!found) throw new PartnerApiError('not_found', `No technical exception request ${req.params.id}.`);
      return exceptionShape(found, now, false);
    },
  );

  api.post<{ Body: FileBody }>(
    '/technicalExceptions',
    {
      config: declare('technicalexceptions.create', 'technical-exceptions', 'write'),
      schema: {
        // Types here; presence, lengths and the self-test's shape in technical-exceptions/evidence.ts,
        // which answers with the documented codes.
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            mfaProduct: { type: 'string' },
            integration: { type: 'string' },
            // The JSON object itself, or its text: evidence.ts readSelfTest checks either.
            selfTest: {},
            purchaseReference: { type: 'string' },
          },
        },
      },
    },
    async (req, reply) => {
      const caller = callerOf(req);
      if (caller.mode !== 'app+user') throw new PartnerApiError('app_only_not_allowed');
      const now = ctx.clock.now();
      const filed = await answering(() =>
        fileException(
          ctx.db,
          caller.tenant.id,
          { ...(req.body ?? {}) },
          { userId: caller.userId, userPrincipalName: caller.userPrincipalName },
          now,
        ),
      );
      return reply.code(201).send(exceptionShape(filed, now, false));
    },
  );
}

/**
 * SPEC §12, the operator's side (category `program`: operator-tenant tokens only, its Global or
 * Security admins): the review queue of every partner's requests, and the decisions.
 */
function programRoutes(api: FastifyInstance, ctx: WardenContext): void {
  api.get(
    '/program/technicalExceptions',
    { config: declare('program.technicalexceptions.list', 'program', 'read') },
    async (req) => {
      const now = ctx.clock.now();
      const items = await listProgramExceptions(ctx.db, now);
      return collection(
        items.map((e) => exceptionShape(e, now, true)),
        req.url,
      );
    },
  );

  api.get<{ Params: { id: string } }>(
    '/program/technicalExceptions/:id',
    { config: declare('program.technicalexceptions.get', 'program', 'read'), schema: { params: ID } },
    async (req) => {
      const now = ctx.clock.now();
      const found = await getProgramException(ctx.db, req.params.id, now);
      if (!found) throw new PartnerApiError('not_found', `No technical exception request ${req.params.id}.`);
      return exceptionShape(found, now, true);
    },
  );

  api.post<{ Params: { id: string }; Body: { endDate?: unknown; scope?: unknown } }>(
    '/program/technicalExceptions/:id/approve',
    {
      config: declare('program.technicalexceptions.approve', 'program', 'write'),
      schema: {
        params: ID,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { endDate: { type: 'string' }, scope: { type: 'array', items: { type: 'string' } } },
        },
      },
    },
    async (req) => {
      const now = ctx.clock.now();
      const body = req.body ?? {};
      const approved = await answering(() =>
        approveException(ctx.db, req.params.id, body, { by: callerName(req) }, now),
      );
      return exceptionShape(approved, now, true);
    },
  );

  api.post<{ Params: { id: string }; Body: { reason?: unknown } }>(
    '/program/technicalExceptions/:id/reject',
    {
      config: declare('program.technicalexceptions.reject', 'program', 'write'),
      schema: {
        params: ID,
        body: { type: 'object', additionalProperties: false, properties: { reason: { type: 'string' } } },
      },
    },
    async (req) => {
      const now = ctx.clock.now();
      const rejected = await answering(() =>
        rejectException(ctx.db, req.params.id, req.body?.reason, { by: callerName(req) }, now),
      );
      return exceptionShape(rejected, now, true);
    },
  );
}

/** The operator ends an approved exception before its end date, with a reason the partner sees. */
function endRoute(api: FastifyInstance, ctx: WardenContext): void {
  api.post<{ Params: { id: string }; Body: { reason?: unknown } }>(
    '/program/technicalExceptions/:id/end',
    {
      config: declare('program.technicalexceptions.end', 'program', 'write'),
      schema: {
        params: ID,
        body: { type: 'object', additionalProperties: false, properties: { reason: { type: 'string' } } },
      },
    },
    async (req) => {
      const now = ctx.clock.now();
      const ended = await answering(() =>
        endException(ctx.db, req.params.id, req.body?.reason, { by: callerName(req) }, now),
      );
      return exceptionShape(ended, now, true);
    },
  );
}

export function technicalExceptionRoutes(api: FastifyInstance, ctx: WardenContext): void {
  partnerRoutes(api, ctx);
  programRoutes(api, ctx);
  endRoute(api, ctx);
}
