import type { FastifyInstance } from 'fastify';
import { registerGatedApi } from '../api-gate/register.ts';
import type { WardenContext } from '../context.ts';
import { GRAPH_API } from '../tokens/audiences.ts';
import { installGraphGate } from './gate.ts';
import { applicationsRoutes } from './routes/applications.ts';
import { authenticationMethodsFido2Routes } from './routes/authentication-methods-fido2.ts';
import { authenticationMethodsPolicyRoutes } from './routes/authentication-methods-policy.ts';
import { batchRoutes } from './routes/batch.ts';
import { delegatedAdminAssignmentsRoutes } from './routes/delegated-admin-assignments.ts';
import { delegatedAdminOperationsRoutes } from './routes/delegated-admin-operations.ts';
import { delegatedAdminRelationshipsRoutes } from './routes/delegated-admin-relationships.ts';
import { delegatedAdminRequestsRoutes } from './routes/delegated-admin-requests.ts';
import { groupsRoutes } from './routes/groups.ts';
import { identityProtectionRoutes } from './routes/identity-protection.ts';
import { meRoutes } from './routes/me.ts';
import { oauth2PermissionGrantsRoutes } from './routes/oauth2-permission-grants.ts';
import { organizationRoutes } from './routes/organization.ts';
import { partnerSecurityRoutes } from './routes/partner-security.ts';
import { registrationDetailsRoutes } from './routes/registration-details.ts';
import { roleAssignmentsRoutes } from './routes/role-assignments.ts';
import { securityDefaultsRoutes } from './routes/security-defaults.ts';
import { signInsRoutes } from './routes/sign-ins.ts';
import { usersRoutes } from './routes/users.ts';
import { meAuthenticationMethodsRoutes } from './routes/users-authentication-methods.ts';

/** Every route of the directory administration API, each behind the gate (`gate.ts`). */
export const GRAPH_API_ROUTES = [
  usersRoutes,
  // Issue 13 item 2: what every signed-in user may read.
  meRoutes,
  // Issue 15 item 3: the signed-in user's own authentication methods.
  meAuthenticationMethodsRoutes,
  organizationRoutes,
  groupsRoutes,
  roleAssignmentsRoutes,
  applicationsRoutes,
  securityDefaultsRoutes,
  // Issue 15 item 2: the Temporary Access Pass setting of the authentication methods policy.
  authenticationMethodsPolicyRoutes,
  authenticationMethodsFido2Routes,
  signInsRoutes,
  registrationDetailsRoutes,
  identityProtectionRoutes,
  // SPEC §10: users' consents to third-party applications, with MFA.
  oauth2PermissionGrantsRoutes,
  // SPEC §13: GDAP, the partner's side (reference §1).
  delegatedAdminRelationshipsRoutes,
  delegatedAdminRequestsRoutes,
  delegatedAdminAssignmentsRoutes,
  delegatedAdminOperationsRoutes,
  // Issue 13 item 2: JSON batching, each request through the gate on its own.
  batchRoutes,
];

/**
 * What Graph offers only under `/beta` (reference §4.2: the partner security score), behind the same
 * gate, audience and route declarations as `/v1.0`.
 */
export const GRAPH_BETA_ROUTES = [partnerSecurityRoutes];

/**
 * The directory administration API under `/v1.0`, shaped like Microsoft Graph (issue 4 item 1), and
 * its `/beta` part.
 */
export async function registerGraphApi(app: FastifyInstance, ctx: WardenContext): Promise<void> {
  await registerGatedApi(app, ctx, {
    prefix: '/v1.0',
    audience: GRAPH_API,
    installGate: installGraphGate,
    routes: GRAPH_API_ROUTES,
  });
  await registerGatedApi(app, ctx, {
    prefix: '/beta',
    audience: GRAPH_API,
    installGate: installGraphGate,
    routes: GRAPH_BETA_ROUTES,
  });
}
