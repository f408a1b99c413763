import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WardenContext } from '../context.ts';
import { getUser, type User } from '../directory/users.ts';
import { GraphError } from '../errors/graph-errors.ts';
import { retryAfterOf, unavailableDescription } from '../http/unavailable.ts';
import { MFA_ACR } from '../policy/sign-in-requirement.ts';
import { type AccessTokenVerifier, type Caller, InvalidAccessToken } from '../tokens/access-tokens.ts';
import { GRAPH_PERMISSIONS } from './access.ts';
import { graphDeclarationProblem } from './declarations.ts';
import { sendGraphError } from './responses.ts';

/** Who is calling, as the handlers see it: the tenant every query is scoped to, and the user if any. */
export interface GraphCaller {
  tenantId: string;
  caller: Caller;
  /** The signed-in administrator (App+User), read fresh on every request; undefined for app-only. */
  user: User | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    graphCaller?: GraphCaller;
    graphRequestId?: string;
  }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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
  api.addHook('onRoute', (route) => {
    const problem = graphDeclarationProblem(route.config?.graph);
    if (problem) throw new Error(`Graph route ${String(route.method)} ${route.url} ${problem}`);
  });
  api.addHook('onRequest', async (req, reply) => {
    const supplied = req.headers['client-request-id'];
    req.graphRequestId = randomUUID();
    reply.header('request-id', req.graphRequestId);
    if (typeof supplied === 'string' && GUID.test(supplied)) reply.header('client-request-id', supplied);
    reply.header('Cache-Control', 'no-store'); // answers may hold secrets shown once
    reply.header('OData-Version', '4.0');
    if (req.is404) return; // unknown paths get Request_ResourceNotFound from the not-found handler
    await admit(req, ctx, verifier);
  });
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
    if (error instanceof GraphError) {
      if (error.code === 'InvalidAuthenticationToken')
        reply.header(
          'WWW-Authenticate',
          `Bearer error="invalid_token", error_description="${quoted(error.message)}"`,
        );
      if (error.code === 'Authentication_MfaRequired') {
        // RFC 9470 §3: the step-up challenge, with the ACR that satisfies it.
        reply.header(
          'WWW-Authenticate',
          `Bearer error="insufficient_user_authentication", error_description="${quoted(error.message)}", acr_values="${MFA_ACR}"`,
        );
      }
      return sendGraphError(reply, requestId, error, ctx.clock.now());
    }
    const retryAfter = retryAfterOf(error); // the database did not answer in time, or load shedding
    if (retryAfter !== undefined)
      return sendGraphError(
        reply.header('Retry-After', String(retryAfter)),
        requestId,
        new GraphError('serviceNotAvailable', unavailableDescription(error)),
        ctx.clock.now(),
      );
    const status = (error as { statusCode?: number }).statusCode;
    if ((error as { validation?: unknown }).validation || (status && status >= 400 && status < 500)) {
      return sendGraphError(reply, requestId, badRequest(error as Error), ctx.clock.now());
    }
    req.log.error({ err: error }, 'graph api error');
    return sendGraphError(reply, requestId, new GraphError('generalException'), ctx.clock.now());
  });
}

/** The gate's steps in order; the first that fails decides the response. */
async function admit(req: FastifyRequest, ctx: WardenContext, verifier: AccessTokenVerifier): Promise<void> {
  const declaration = req.routeOptions.config.graph;
  if (!declaration) throw new GraphError('Authorization_RequestDenied', 'This operation is not available.');
  const header = req.headers.authorization ?? '';
  const match = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(header);
  if (!match) throw new GraphError('InvalidAuthenticationToken', 'Access token is empty.');
  let caller: Caller;
  try {
    caller = await verifier.verify(match[1]!);
  } catch (error) {
    if (error instanceof InvalidAccessToken)
      throw new GraphError('InvalidAuthenticationToken', error.message);
    throw error;
  }
  const permission = GRAPH_PERMISSIONS[declaration.permission];
  if (caller.mode === 'app-only') {
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
    req.graphCaller = { tenantId: caller.tenant.id, caller, user: undefined };
    return;
  }
  // SPEC §5: administrators always need MFA; without the proof nothing else is looked at.
  if (!caller.mfa) throw new GraphError('Authentication_MfaRequired');
  // Roles and account state are read now, not taken from the token: a removed role or a disabled
  // administrator stops working at once.
  const user = await getUser(ctx.db, caller.tenant.id, caller.userId);
  if (!user?.accountEnabled)
    throw new GraphError(
      'InvalidAuthenticationToken',
      'The signed-in account is disabled or no longer exists.',
    );
  if (!permission.directoryRoles.some((role) => user.directoryRoles.includes(role)))
    throw new GraphError(
      'Authorization_RequestDenied',
      `Insufficient privileges: ${declaration.operation} needs one of these directory roles: ${permission.directoryRoles.join(', ')}.`,
    );
  req.graphCaller = { tenantId: caller.tenant.id, caller, user };
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

function quoted(text: string): string {
  return text.replace(/["\\]/g, "'");
}
