import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authenticate, byMode, type TokenRefusals } from '../api-gate/caller.ts';
import { bearerChallenge } from '../api-gate/challenge.ts';
import { declarationOf, requireDeclarations } from '../api-gate/declared-routes.ts';
import { canonicaliseGuids } from '../api-gate/guid-params.ts';
import { isRequestError } from '../api-gate/request-errors.ts';
import { MethodChangeError } from '../authentication-methods/manage.ts';
import type { WardenContext } from '../context.ts';
import { type DelegatedAccess, delegatedAccessOf } from '../delegated-admin/delegated-access.ts';
import { gdapRole } from '../delegated-admin/gdap-roles.ts';
import { DelegatedAdminError } from '../delegated-admin/relationships.ts';
import { DirectoryError } from '../directory/directory-error.ts';
import { agentGroupsOf } from '../directory/groups.ts';
import { getTenant } from '../directory/tenants.ts';
import { getUser, type User } from '../directory/users.ts';
import { GraphError } from '../errors/graph-errors.ts';
import { isGuid } from '../guid.ts';
import { retryAfterOf, unavailableDescription } from '../http/unavailable.ts';
import { MFA_ACR } from '../policy/acr.ts';
import type { AccessTokenVerifier, AppOnlyCaller, AppUserCaller, Caller } from '../tokens/access-tokens.ts';
import { GRAPH_PERMISSIONS, type Permission } from './access.ts';
import { type GraphRouteDeclaration, graphDeclarationProblem } from './declarations.ts';
import { delegatedAdminGraphError } from './delegated-admin-errors.ts';
import { recordDelegatedOperation } from './delegated-operations.ts';
import { graphErrorOf } from './directory-errors.ts';
import { applyEvolvableEnums } from './evolvable-enums.ts';
import { methodChangeGraphError } from './method-change-errors.ts';
import { sendGraphError } from './responses.ts';

/** Who is calling, as the handlers see it: the tenant every query is scoped to, and the user if any. */
export interface GraphCaller {
  tenantId: string;
  caller: Caller;
  /** The signed-in administrator (App+User), read fresh on every request; undefined for app-only. */
  user: User | undefined;
  /** SPEC E3: a partner user acting in this customer tenant, and the access that admitted it. */
  delegated?: DelegatedAccess;
}

declare module 'fastify' {
  interface FastifyRequest {
    graphCaller?: GraphCaller;
    /** SPEC E3: a partner user refused in a customer tenant although it holds some access there. */
    graphDelegatedRefusal?: GraphCaller;
    graphRequestId?: string;
  }
}

/** Graph's words for the refusals every gate makes (RFC 6750 §3.1). */
const REFUSALS: TokenRefusals = {
  missingToken: () => new GraphError('InvalidAuthenticationToken', 'Access token is empty.'),
  ambiguousCredentials: () =>
    new GraphError(
      'Request_BadRequest',
      'Send one Authorization header with one Bearer token (RFC 6750 §2.1), not two.',
    ),
  invalidToken: (reason) => new GraphError('InvalidAuthenticationToken', reason),
};

const undeclared = () => new GraphError('Authorization_RequestDenied', 'This operation is not available.');

/** The app roles an application acting alone holds (none for a signed-in administrator's call). */
export function heldAppRoles(caller: GraphCaller): readonly string[] {
  return caller.caller.mode === 'app-only' ? caller.caller.roles : [];
}

/** The caller the gate admitted; a handler only runs after `admit`, so its absence is a bug. */
export function graphCallerOf(req: FastifyRequest): GraphCaller {
  if (!req.graphCaller) throw new Error('graph route ran without the gate');
  return req.graphCaller;
}

/**
 * THE gate of the directory administration API (STYLE 2, issue 4 item 1): every request under
 * `/v1.0` is admitted here before its handler runs. A route must declare its operation and
 * permission or it cannot be registered.
 */
export function installGraphGate(
  api: FastifyInstance,
  ctx: WardenContext,
  verifier: AccessTokenVerifier,
): void {
  requireDeclarations(api, { key: 'graph', label: 'Graph route', problem: graphDeclarationProblem });
  api.addHook('onRequest', async (req, reply) => {
    const supplied = req.headers['client-request-id'];
    req.graphRequestId = randomUUID();
    reply.header('request-id', req.graphRequestId);
    if (isGuid(supplied)) reply.header('client-request-id', supplied);
    reply.header('Cache-Control', 'no-store'); // answers may hold secrets shown once
    reply.header('OData-Version', '4.0');
    if (req.is404) return; // unknown paths get Request_ResourceNotFound from the not-found handler
    canonicaliseGuids(req);
    await admit(req, ctx, verifier);
  });
  // SPEC E3: a partner user's operation in a customer tenant is kept for the customer to see.
  api.addHook('onSend', recordDelegatedOperation(ctx));
  // Graph's evolvable enums, in one place for every answer (evolvable-enums.ts).
  api.addHook('onSend', applyEvolvableEnums);
  api.setNotFoundHandler((req, reply) =>
    sendGraphError(
      reply,
      req.graphRequestId ?? randomUUID(),
      new GraphError(
        'Request_ResourceNotFound',
        `Resource not found for the segment '${segmentOf(req.url)}'.`,
      ),
      ctx.clock.now(),
    ),
  );
  api.setErrorHandler((error, req, reply) => {
    const requestId = req.graphRequestId ?? randomUUID();
    // The directory's, GDAP's and the method rules' refusals, in Graph's words (one mapping each:
    // directory-errors.ts, delegated-admin-errors.ts, method-change-errors.ts).
    const graphError =
      error instanceof DirectoryError
        ? graphErrorOf(error)
        : error instanceof DelegatedAdminError
          ? delegatedAdminGraphError(error)
          : error instanceof MethodChangeError
            ? methodChangeGraphError(error)
            : error;
    if (graphError instanceof GraphError) {
      challenge(reply, graphError);
      return sendGraphError(reply, requestId, graphError, ctx.clock.now());
    }
    const retryAfter = retryAfterOf(error); // the database did not answer in time, or load shedding
    if (retryAfter !== undefined)
      return sendGraphError(
        reply.header('Retry-After', String(retryAfter)),
        requestId,
        new GraphError('serviceNotAvailable', unavailableDescription(error)),
        ctx.clock.now(),
      );
    if (isRequestError(error)) {
      return sendGraphError(reply, requestId, badRequest(error as Error), ctx.clock.now());
    }
    req.log.error({ err: error }, 'graph api error');
    return sendGraphError(reply, requestId, new GraphError('generalException'), ctx.clock.now());
  });
}

/** RFC 6750 §3 and RFC 9470 §3: the 401s say how to get a token that would do. */
function challenge(reply: FastifyReply, error: GraphError): void {
  if (error.code === 'InvalidAuthenticationToken')
    reply.header(
      'WWW-Authenticate',
      bearerChallenge({ error: 'invalid_token', errorDescription: error.message }),
    );
  if (error.code === 'Authentication_MfaRequired')
    // RFC 9470 §3: the step-up challenge, with the ACR that satisfies it.
    reply.header(
      'WWW-Authenticate',
      bearerChallenge({
        error: 'insufficient_user_authentication',
        errorDescription: error.message,
        acrValues: MFA_ACR,
      }),
    );
}

/** The gate's steps in order; the first that fails decides the response. */
async function admit(req: FastifyRequest, ctx: WardenContext, verifier: AccessTokenVerifier): Promise<void> {
  const declaration = declarationOf(req, 'graph', undeclared);
  const caller = await authenticate(req, verifier, ctx.revocations, REFUSALS);
  const permission = GRAPH_PERMISSIONS[declaration.permission];
  const appUser = async (user: AppUserCaller): Promise<GraphCaller> => {
    await requirePartnerTenant(ctx, user.tenant.id, declaration, permission);
    try {
      return await admitAdministrator(ctx, user, declaration, permission);
    } catch (error) {
      // Kept apart from graphCaller (never admitted) so the customer's log still shows the attempt.
      if (error instanceof DelegatedRoleRefusal) req.graphDelegatedRefusal = error.caller;
      throw error;
    }
  };
  // What Graph lets any signed-in user do (their own profile, their organization) needs no
  // administrator, so no MFA proof either; nor does a batch's envelope, whose requests are each
  // admitted here on their own, MFA included.
  const mfaExempt = 'anyUser' in permission || 'authenticationOnly' in permission;
  if (caller.mode === 'app+user' && mfaExempt) {
    req.graphCaller = await appUser(caller);
    return;
  }
  req.graphCaller = await byMode(caller, {
    appOnly: async (app) => {
      await requirePartnerTenant(ctx, app.tenant.id, declaration, permission);
      return admitApplication(app, declaration, permission);
    },
    // SPEC §5: administrators always need MFA; without the proof nothing else is looked at.
    mfaRequired: () => new GraphError('Authentication_MfaRequired'),
    appUser,
  });
}

/** A partner user's request refused for lack of a role in the customer tenant, with who it was. */
class DelegatedRoleRefusal extends GraphError {
  readonly caller: GraphCaller;
  constructor(message: string, caller: GraphCaller) {
    super('Authorization_RequestDenied', message);
    this.caller = caller;
  }
}

/**
 * Reference §1.1: some operations are the partner's alone. The tenant's kind is read now, not
 * taken from the token (the verifier remembers verified tokens with the tenant they named).
 */
async function requirePartnerTenant(
  ctx: WardenContext,
  tenantId: string,
  declaration: GraphRouteDeclaration,
  permission: Permission,
): Promise<void> {
  if (!permission.partnerTenantsOnly) return;
  const tenant = await getTenant(ctx.db, tenantId);
  if (tenant?.kind !== 'partner')
    throw new GraphError(
      'Authorization_RequestDenied',
      `${declaration.operation} is open to partner tenants only: the calling principal must belong to a partner tenant.`,
    );
}

/** An application alone needs one of the permission's app roles; some operations take none. */
function admitApplication(
  caller: AppOnlyCaller,
  declaration: GraphRouteDeclaration,
  permission: Permission,
): GraphCaller {
  if (permission.authenticationOnly) return { tenantId: caller.tenant.id, caller, user: undefined };
  if (permission.delegatedOnly) throw new GraphError('BadRequest', permission.delegatedOnly);
  if (permission.appRoles.length === 0)
    throw new GraphError(
      'Authorization_RequestDenied',
      `${declaration.operation} needs a signed-in administrator.`,
    );
  if (!permission.appRoles.some((role) => caller.roles.includes(role)))
    throw new GraphError(
      'Authorization_RequestDenied',
      `Insufficient privileges: the application needs one of these permissions: ${permission.appRoles.join(', ')}.`,
    );
  return { tenantId: caller.tenant.id, caller, user: undefined };
}

/** A signed-in administrator (MFA proven) needs one of the permission's directory roles, held now. */
async function admitAdministrator(
  ctx: WardenContext,
  caller: AppUserCaller,
  declaration: GraphRouteDeclaration,
  permission: Permission,
): Promise<GraphCaller> {
  if (caller.homeTenantId !== undefined)
    return admitDelegatedAdministrator(
      ctx,
      { ...caller, homeTenantId: caller.homeTenantId },
      declaration,
      permission,
    );
  // Roles and account state are read now, not taken from the token: a removed role or a disabled
  // administrator stops working at once.
  const user = await getUser(ctx.db, caller.tenant.id, caller.userId);
  if (!user?.accountEnabled)
    throw new GraphError(
      'InvalidAuthenticationToken',
      'The signed-in account is disabled or no longer exists.',
    );
  if (
    permission.anyUser ||
    permission.authenticationOnly ||
    permission.directoryRoles.some((role) => user.directoryRoles.includes(role))
  )
    return { tenantId: caller.tenant.id, caller, user };
  const agentGroups = permission.agentGroups ?? [];
  if (agentGroups.length > 0) {
    const held = await agentGroupsOf(ctx.db, caller.tenant.id, caller.userId);
    if (agentGroups.some((group) => held.includes(group)))
      return { tenantId: caller.tenant.id, caller, user };
  }
  const needs = [
    ...(permission.directoryRoles.length > 0
      ? [`one of these directory roles: ${permission.directoryRoles.join(', ')}`]
      : []),
    ...(agentGroups.length > 0 ? [`membership of one of these groups: ${agentGroups.join(', ')}`] : []),
  ];
  throw new GraphError(
    'Authorization_RequestDenied',
    `Insufficient privileges: ${declaration.operation} needs ${needs.join(', or ')}.`,
  );
}

/**
 * SPEC E3 (reference §2.3): a partner user acting on behalf of the customer the token names (`tid`
 * is the customer: the caller's tenant, which scopes every query, so a token for one customer
 * never reaches another). Authorised exactly like a member, by the directory roles it holds in
 * this customer — read fresh from THE decision (delegatedAccessOf) on every request, never from
 * the token's `wids`, so a changed assignment or an ended relationship counts at the next call.
 * Handlers see the partner user with those roles as the actor, so the per-object refusals
 * (directory/refusals.ts) judge it as they would a member holding them.
 */
async function admitDelegatedAdministrator(
  ctx: WardenContext,
  caller: AppUserCaller & { homeTenantId: string },
  declaration: GraphRouteDeclaration,
  permission: Permission,
): Promise<GraphCaller> {
  const user = await getUser(ctx.db, caller.homeTenantId, caller.userId);
  if (!user?.accountEnabled)
    throw new GraphError(
      'InvalidAuthenticationToken',
      'The signed-in account is disabled or no longer exists.',
    );
  // The envelope of a batch: each request inside is admitted (or not) on its own.
  if (permission.authenticationOnly) return { tenantId: caller.tenant.id, caller, user };
  const access = await delegatedAccessOf(
    ctx.db,
    { homeTenantId: caller.homeTenantId, userId: caller.userId, customerTenantId: caller.tenant.id },
    ctx.clock.now(),
  );
  if (!access)
    throw new GraphError(
      'Authorization_RequestDenied',
      'The signed-in partner user has no delegated administration access to this tenant now.',
    );
  const held = access.roleTemplateIds.map((id) => gdapRole(id)).filter((role) => role !== undefined);
  const directoryRoles = held.flatMap((role) => (role.directoryRole ? [role.directoryRole] : []));
  const actor: User = { ...user, directoryRoles };
  const readerRoles: readonly string[] = permission.readerRoles ?? [];
  if (
    permission.anyUser ||
    permission.directoryRoles.some((role) => directoryRoles.includes(role)) ||
    held.some((role) => readerRoles.includes(role.displayName))
  )
    return { tenantId: caller.tenant.id, caller, user: actor, delegated: access };
  const needs = [...permission.directoryRoles, ...readerRoles];
  throw new DelegatedRoleRefusal(
    `Insufficient privileges: ${declaration.operation} needs one of these roles in this tenant: ${needs.join(', ')}.`,
    { tenantId: caller.tenant.id, caller, user: actor, delegated: access },
  );
}

/** A 4xx from Fastify (schema validation, unparsable JSON, wrong media type) as a Graph error. */
function badRequest(
  error: Error & {
    validation?: { keyword: string; params: Record<string, unknown>; instancePath: string }[];
  },
): GraphError {
  const first = error.validation?.[0];
  if (first?.keyword === 'additionalProperty' || first?.keyword === 'additionalProperties') {
    return new GraphError(
      'Request_BadRequest',
      `Invalid property '${String(first.params.additionalProperty)}'.`,
    );
  }
  if (first) {
    const where = first.instancePath.replace(/^\//, '').replaceAll('/', '.') || 'body';
    return new GraphError(
      'Request_BadRequest',
      `Invalid value for '${where}': ${error.message.replace(/^(body|querystring|params)\S* /, '')}`,
    );
  }
  return new GraphError('Request_BadRequest', error.message);
}

function segmentOf(url: string): string {
  const path = url.split('?')[0]!.split('/').filter(Boolean);
  return path[path.length - 1] ?? '';
}
