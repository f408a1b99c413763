import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authenticate, byMode, type TokenRefusals } from '../api-gate/caller.ts';
import { bearerChallenge } from '../api-gate/challenge.ts';
import { declarationOf, requireDeclarations } from '../api-gate/declared-routes.ts';
import { canonicaliseGuids } from '../api-gate/guid-params.ts';
import { isRequestError } from '../api-gate/request-errors.ts';
import type { WardenContext } from '../context.ts';
import { type DelegatedAccess, delegatedAccessOf } from '../delegated-admin/delegated-access.ts';
import { PartnerApiError } from '../errors/partner-api-errors.ts';
import { isGuid } from '../guid.ts';
import { retryAfterOf, unavailableDescription } from '../http/unavailable.ts';
import { ACCESS, mayAccess, RoleCache, roleLabel } from '../partner-center/access.ts';
import { type Customer, getCustomer } from '../partner-center/customers.ts';
import { hasMfaProof } from '../policy/mfa-proof.ts';
import { RETRY_AFTER_SECONDS, type RequestRecord } from '../reports/request-log.ts';
import { exceptionCovers } from '../technical-exceptions/coverage.ts';
import { exceptionMayCover } from '../technical-exceptions/scope.ts';
import type { AccessTokenVerifier, AppOnlyCaller, AppUserCaller, Caller } from '../tokens/access-tokens.ts';
import { API_CATEGORIES, APP_ROLES, declarationProblem, type RouteDeclaration } from './declarations.ts';
import { DELEGATED_ROLES, holdsRoleFor, roleNames } from './delegated-roles.ts';
import { replaceWithError, sendError } from './responses.ts';

declare module 'fastify' {
  interface FastifyRequest {
    partnerCaller?: Caller;
    /** For delegated categories: the customer the gate found to have granted delegated admin. */
    delegatedCustomer?: Customer;
    /** For delegated categories: the access (GDAP or DAP, the roles) the request was admitted by. */
    delegatedAccess?: DelegatedAccess;
    correlationId?: string;
    /** Partner Center's `MS-RequestId`: the caller's GUID, or one made for the call. */
    partnerRequestId?: string;
    /** SPEC §12: admitted without the MFA proof under the tenant's approved technical exception. */
    underException?: boolean;
  }
}

/** The Partner API's words for the refusals every gate makes (RFC 6750 §3.1). */
const REFUSALS: TokenRefusals = {
  missingToken: () => new PartnerApiError('missing_token'),
  ambiguousCredentials: () =>
    new PartnerApiError(
      'invalid_request',
      'Send one Authorization header with one Bearer token (RFC 6750 §2.1), not two.',
    ),
  invalidToken: (reason) => new PartnerApiError('invalid_token', reason),
};

const undeclared = () => new PartnerApiError('route_not_declared');

/**
 * THE gate of the Partner API (SPEC E2, STYLE 2): every request under `/v1` passes `admit` before
 * its handler runs. A route must declare its category and auth modes or it cannot be registered
 * (and, should one slip through, is refused at request time).
 */
export function installGate(api: FastifyInstance, ctx: WardenContext, verifier: AccessTokenVerifier): void {
  const roles = new RoleCache(ctx.db);
  requireDeclarations(api, { key: 'partnerApi', label: 'Partner API route', problem: declarationProblem });
  api.addHook('onRequest', async (req, reply) => {
    // Partner Center's REST headers (pc:developer/headers.md): both ids are echoed, each the
    // caller's GUID or, when it sent none (or not a GUID), one made for the call.
    const correlation = req.headers['ms-correlationid'];
    req.correlationId = isGuid(correlation) ? correlation : randomUUID();
    const request = req.headers['ms-requestid'];
    req.partnerRequestId = isGuid(request) ? request : randomUUID();
    reply.header('MS-CorrelationId', req.correlationId);
    reply.header('MS-RequestId', req.partnerRequestId);
    if (req.is404) return; // unknown paths get a plain 404 from the not-found handler
    canonicaliseGuids(req);
    await admit(req, ctx, verifier, roles);
  });
  // After validation (so a malformed id is a 400): delegated categories need the customer's grant.
  api.addHook('preHandler', async (req) => {
    const declaration = req.routeOptions.config.partnerApi;
    if (declaration && 'delegated' in API_CATEGORIES[declaration.category])
      await admitDelegated(req, ctx, declaration);
  });
  // SPEC §11: the row is committed before the response goes out (onSend runs before the status
  // line is written), so a crash cannot lose a request that was answered. When it cannot be
  // stored, RequestLog.recordBeforeAnswer says whether the answer still goes or becomes a 503.
  api.addHook('onSend', async (req, reply, payload) => {
    const caller = req.partnerCaller;
    const declaration = req.routeOptions.config.partnerApi;
    if (!caller || !declaration) return payload; // no tenant to attribute the request to
    // Issue 16 item 2: the MFA share of App+User requests, counted as SPEC §11 B2 counts them.
    if (caller.mode === 'app+user') ctx.metrics?.partnerApiAppUser(caller.mfa);
    const entry: RequestRecord = {
      tenantId: caller.tenant.id,
      surface: caller.mode === 'app+user' ? 'api-app-user' : 'api-app-only',
      operation: declaration.operation,
      userId: caller.mode === 'app+user' ? caller.userId : null,
      userPrincipalName: caller.mode === 'app+user' ? caller.userPrincipalName : null,
      appId: caller.appId,
      mfaCompliant: caller.mode === 'app+user' && caller.mfa,
      // SPEC §12: counted apart in the figures (it stays not MFA-compliant).
      underException: req.underException === true,
      statusCode: reply.statusCode,
      correlationId: req.correlationId ?? '',
      requestId: req.partnerRequestId,
      ipAddress: req.ip,
      occurredAt: ctx.clock.now(),
      // SPEC E3: which customer tenant the call acted in, and by which access (GDAP or DAP, roles).
      ...(req.delegatedAccess
        ? {
            delegated: {
              customerTenantId: req.delegatedAccess.customerTenantId,
              via: req.delegatedAccess.via,
              roleTemplateIds: req.delegatedAccess.roleTemplateIds,
              relationshipIds: req.delegatedAccess.relationshipIds,
              amr: caller.mode === 'app+user' ? caller.amr : [],
            },
          }
        : {}),
    };
    if ((await ctx.requestLog.recordBeforeAnswer(entry, req.method)) === 'send') return payload;
    reply.header('Retry-After', String(RETRY_AFTER_SECONDS));
    return replaceWithError(reply, new PartnerApiError('request_log_unavailable'));
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
    if (isRequestError(error)) {
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
  const declaration = declarationOf(req, 'partnerApi', undeclared);
  const caller = await authenticate(req, verifier, ctx.revocations, REFUSALS);
  // The program category is the operator's; every other one is a partner's (fail closed: a
  // customer tenant's token reaches neither).
  const forOperator = 'operator' in API_CATEGORIES[declaration.category];
  if (forOperator ? caller.tenant.kind !== 'operator' : caller.tenant.kind !== 'partner')
    throw new PartnerApiError(forOperator ? 'operator_only' : 'not_a_partner_tenant');
  // From here on the request is a partner's, and the request log attributes it (SPEC §11 B2).
  req.partnerCaller = caller;
  if (!declaration.modes.includes(caller.mode)) throw new PartnerApiError('app_only_not_allowed');
  const category = API_CATEGORIES[declaration.category];
  // A delegated category is authorised by the caller's roles in the customer (admitDelegated),
  // not by Partner Center roles: SPEC E3 lets any GDAP-assigned group member act.
  // A delegated category that also names `partnerRoles` needs both (reference §3.3: AdminAgents).
  const appUser = (user: AppUserCaller) =>
    'delegated' in category && !('partnerRoles' in category)
      ? undefined
      : checkUserRoles(ctx, roles, user, declaration);
  // SPEC §12: the one exception to E2. A token without `mfa` is admitted where the partner holds
  // an approved exception for E2 in force — never in a delegated category (acting in a customer
  // tenant is E3) nor in the areas scope.ts keeps MFA-only, nor a write scope.ts keeps MFA-only;
  // the request is marked so the request log counts it apart.
  if (
    caller.mode === 'app+user' &&
    !hasMfaProof(caller.amr) &&
    exceptionMayCover(category.area, {
      delegated: 'delegated' in category,
      method: req.method,
      access: declaration.access,
    }) &&
    (await exceptionCovers(ctx.db, caller.tenant.id, ctx.clock.now(), 'E2'))
  ) {
    req.underException = true;
    return appUser(caller);
  }
  await byMode(caller, {
    appOnly: async (app) => checkAppRoles(app, declaration),
    // SPEC E2: an App+User token without `mfa` in `amr` is refused, whatever the route.
    mfaRequired: () => new PartnerApiError('mfa_required'),
    appUser,
  });
}

/**
 * SPEC E3: the customer of the route's `:id` (the partner's own customer, else 404), in whose
 * tenant the calling partner user must hold, **now**, one of the Entra roles the route's row of
 * DELEGATED_ROLES names — through GDAP or DAP, as THE cross-tenant decision `delegatedAccessOf`
 * says. Read afresh on every request: a terminated relationship, a removed group membership or
 * removed DAP refuses the very next call.
 */
async function admitDelegated(req: FastifyRequest, ctx: WardenContext, declaration: RouteDeclaration) {
  const caller = req.partnerCaller;
  // The declarations of delegated routes allow App+User only; fail closed should one not.
  if (caller?.mode !== 'app+user') throw new PartnerApiError('app_only_not_allowed');
  const operation = declaration.delegated;
  if (!operation) throw undeclared();
  const id = (req.params as { id?: string }).id ?? '';
  const customer = await getCustomer(ctx.db, caller.tenant.id, id);
  if (!customer) throw new PartnerApiError('not_found', `No customer ${id} for this partner.`);
  const access = await delegatedAccessOf(
    ctx.db,
    { homeTenantId: caller.tenant.id, userId: caller.userId, customerTenantId: customer.customerTenantId },
    ctx.clock.now(),
  );
  const needed = [...DELEGATED_ROLES[operation]];
  if (!access) {
    // No role at all in this customer. While the customer still has DAP, membership of the agent
    // groups DAP honours would give one (§1.10); otherwise only a GDAP assignment can.
    const dap = customer.delegatedAdmin === 'dap';
    const dapGroups = ACCESS[API_CATEGORIES[declaration.category].area];
    throw new PartnerApiError(
      'role_required',
      dap
        ? `You hold no delegated access in ${customer.companyName}: no active GDAP assignment of your groups, and you are in none of the agent groups its DAP honours (${dapGroups.map(roleLabel).join(', ')}).`
        : `You hold no delegated access in ${customer.companyName}: it needs an active GDAP relationship assigning one of these roles to a group of yours: ${roleNames(operation).join(', ')}.`,
      dap ? [...dapGroups] : needed,
    );
  }
  // Recorded in the request log with the call, refused or not (SPEC E3: the customer sees who came in).
  req.delegatedAccess = access;
  if (!holdsRoleFor(operation, access.roleTemplateIds)) {
    throw new PartnerApiError(
      'delegated_role_required',
      `In ${customer.companyName} your ${access.via.toUpperCase()} roles do not allow this; it needs one of: ${roleNames(operation).join(', ')}.`,
      needed,
    );
  }
  req.delegatedCustomer = customer;
}

/** An application alone needs `Partner.Read.All` or `Partner.ReadWrite.All`, as the route reads or writes. */
function checkAppRoles(caller: AppOnlyCaller, declaration: RouteDeclaration): void {
  const needed = APP_ROLES[declaration.access];
  if (!needed.some((r) => caller.roles.includes(r))) {
    throw new PartnerApiError(
      'app_role_required',
      `The application needs the app role ${needed.join(' or ')} for ${API_CATEGORIES[declaration.category].label}.`,
      [...needed],
    );
  }
}

/** A user needs a Partner Center role of the category's area (one access table: partner-center/access.ts). */
async function checkUserRoles(
  ctx: WardenContext,
  cache: RoleCache,
  caller: AppUserCaller,
  declaration: RouteDeclaration,
): Promise<void> {
  const category = API_CATEGORIES[declaration.category];
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
    reply.header('WWW-Authenticate', bearerChallenge({ realm: 'Warden Partner API' }));
  } else if (error.code === 'invalid_token' || error.code === 'mfa_required') {
    reply.header(
      'WWW-Authenticate',
      bearerChallenge({ error: 'invalid_token', errorDescription: error.message }),
    );
  }
  if (error.code === 'mfa_required') reply.raw.statusMessage = 'Unauthorized - MFA required';
  return sendError(reply, error);
}
