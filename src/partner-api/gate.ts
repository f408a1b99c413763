import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WardenContext } from '../context.ts';
import { PartnerApiError } from '../errors/partner-api-errors.ts';
import { retryAfterOf, unavailableDescription } from '../http/unavailable.ts';
import { ACCESS, mayAccess, RoleCache, roleLabel } from '../partner-center/access.ts';
import { type Customer, getCustomer } from '../partner-center/customers.ts';
import { type AccessTokenVerifier, type Caller, InvalidAccessToken } from '../tokens/access-tokens.ts';
import { API_CATEGORIES, APP_ROLES, declarationProblem, type RouteDeclaration } from './declarations.ts';
import { sendError } from './responses.ts';
import { partnerOf } from './routes/caller.ts';

declare module 'fastify' {
  interface FastifyRequest {
    partnerCaller?: Caller;
    /** For delegated categories: the customer the gate found to have granted delegated admin. */
    delegatedCustomer?: Customer;
    correlationId?: string;
  }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * THE gate of the Partner API (SPEC E2, STYLE 2): every request under `/v1` passes `admit` before
 * its handler runs. A route must declare its category and auth modes or it cannot be registered
 * (and, should one slip through, is refused at request time).
 */
export function installGate(api: FastifyInstance, ctx: WardenContext, verifier: AccessTokenVerifier): void {
  const roles = new RoleCache(ctx.db);
  api.addHook('onRoute', (route) => {
    const problem = declarationProblem(route.config?.partnerApi);
    if (problem) throw new Error(`Partner API route ${String(route.method)} ${route.url} ${problem}`);
  });
  api.addHook('onRequest', async (req, reply) => {
    const supplied = req.headers['ms-correlationid'];
    req.correlationId = typeof supplied === 'string' && GUID.test(supplied) ? supplied : randomUUID();
    reply.header('MS-CorrelationId', req.correlationId);
    if (req.is404) return; // unknown paths get a plain 404 from the not-found handler
    await admit(req, ctx, verifier, roles);
  });
  // After validation (so a malformed id is a 400): delegated categories need the customer's grant.
  api.addHook('preHandler', async (req) => {
    const declaration = req.routeOptions.config.partnerApi;
    if (declaration && 'delegated' in API_CATEGORIES[declaration.category]) await admitDelegated(req, ctx);
  });
  api.addHook('onResponse', async (req, reply) => {
    const caller = req.partnerCaller;
    const declaration = req.routeOptions.config.partnerApi;
    if (!caller || !declaration) return; // no tenant to attribute the request to
    ctx.requestLog.record({
      tenantId: caller.tenant.id,
      surface: caller.mode === 'app+user' ? 'api-app-user' : 'api-app-only',
      operation: declaration.operation,
      userId: caller.mode === 'app+user' ? caller.userId : null,
      userPrincipalName: caller.mode === 'app+user' ? caller.userPrincipalName : null,
      appId: caller.appId,
      mfaCompliant: caller.mode === 'app+user' && caller.mfa,
      statusCode: reply.statusCode,
      correlationId: req.correlationId ?? '',
      occurredAt: ctx.clock.now(),
    });
  });
  api.setNotFoundHandler((_req, reply) => sendError(reply, new PartnerApiError('not_found')));
  api.setErrorHandler((error, req, reply) => {
    if (error instanceof PartnerApiError) return sendApiError(reply, error);
    const retryAfter = retryAfterOf(error); // the database did not answer in time, or load shedding
    if (retryAfter !== undefined)
      return sendError(
        reply.header('Retry-After', String(retryAfter)),
        new PartnerApiError('service_unavailable', unavailableDescription(error)),
      );
    const validation = (error as { validation?: unknown; message?: string }).validation;
    const status = (error as { statusCode?: number }).statusCode;
    if (validation || (status && status >= 400 && status < 500)) {
      return sendError(reply, new PartnerApiError('invalid_request', (error as Error).message));
    }
    req.log.error({ err: error }, 'partner api error');
    return sendError(reply, new PartnerApiError('server_error'));
  });
}

/** The gate's steps, in order; the first that fails decides the response. */
async function admit(
  req: FastifyRequest,
  ctx: WardenContext,
  verifier: AccessTokenVerifier,
  roles: RoleCache,
): Promise<void> {
  const declaration = req.routeOptions.config.partnerApi;
  if (!declaration) throw new PartnerApiError('route_not_declared');
  const token = bearerToken(req);
  let caller: Caller;
  try {
    caller = await verifier.verify(token);
  } catch (error) {
    if (error instanceof InvalidAccessToken) throw new PartnerApiError('invalid_token', error.message);
    throw error;
  }
  if (caller.tenant.kind !== 'partner') throw new PartnerApiError('not_a_partner_tenant');
  // From here on the request is a partner's, and the request log attributes it (SPEC §11 B2).
  req.partnerCaller = caller;
  if (!declaration.modes.includes(caller.mode)) throw new PartnerApiError('app_only_not_allowed');
  // SPEC E2: an App+User token without `mfa` in `amr` is refused, whatever the route.
  if (caller.mode === 'app+user' && !caller.mfa) throw new PartnerApiError('mfa_required');
  await checkRoles(ctx, roles, caller, declaration);
}

/** The customer of the route's `:id`, who must have granted the partner delegated administration. */
async function admitDelegated(req: FastifyRequest, ctx: WardenContext): Promise<void> {
  const id = (req.params as { id?: string }).id ?? '';
  const customer = await getCustomer(ctx.db, partnerOf(req).id, id);
  if (!customer) throw new PartnerApiError('not_found', `No customer ${id} for this partner.`);
  if (customer.delegatedAdmin === 'none') {
    throw new PartnerApiError(
      'role_required',
      `${customer.companyName} has not granted your organisation delegated administration.`,
      ['delegated-admin'],
    );
  }
  req.delegatedCustomer = customer;
}

function bearerToken(req: FastifyRequest): string {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(header);
  if (!match) throw new PartnerApiError('missing_token');
  return match[1]!;
}

async function checkRoles(
  ctx: WardenContext,
  cache: RoleCache,
  caller: Caller,
  declaration: RouteDeclaration,
): Promise<void> {
  const category = API_CATEGORIES[declaration.category];
  if (caller.mode === 'app-only') {
    const needed = APP_ROLES[declaration.access];
    if (!needed.some((r) => caller.roles.includes(r))) {
      throw new PartnerApiError(
        'app_role_required',
        `The application needs the app role ${needed.join(' or ')} for ${category.label}.`,
        [...needed],
      );
    }
    return;
  }
  const roles = await cache.rolesOf(caller.tenant.id, caller.userId, ctx.clock.now());
  if (!mayAccess(roles, category.area)) {
    const allowed = ACCESS[category.area];
    throw new PartnerApiError(
      'role_required',
      `${capitalise(category.label)} needs one of these roles: ${allowed.map(roleLabel).join(', ')}.`,
      [...allowed],
    );
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Writes an error; the two 401s carry RFC 6750 §3 challenges, the MFA one with SPEC E2's reason phrase. */
function sendApiError(reply: FastifyReply, error: PartnerApiError): FastifyReply {
  if (error.code === 'missing_token') {
    reply.header('WWW-Authenticate', 'Bearer realm="Warden Partner API"');
  } else if (error.code === 'invalid_token' || error.code === 'mfa_required') {
    reply.header(
      'WWW-Authenticate',
      `Bearer error="invalid_token", error_description="${error.message.replace(/["\\]/g, "'")}"`,
    );
  }
  if (error.code === 'mfa_required') reply.raw.statusMessage = 'Unauthorized - MFA required';
  return sendError(reply, error);
}
