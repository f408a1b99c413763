import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../context.ts';
import { AccessTokenVerifier } from '../tokens/access-tokens.ts';
import { GRAPH_API } from '../tokens/audiences.ts';
import { installGraphGate } from './gate.ts';
import { applicationsRoutes } from './routes/applications.ts';
import { groupsRoutes } from './routes/groups.ts';
import { registrationDetailsRoutes } from './routes/registration-details.ts';
import { roleAssignmentsRoutes } from './routes/role-assignments.ts';
import { securityDefaultsRoutes } from './routes/security-defaults.ts';
import { signInsRoutes } from './routes/sign-ins.ts';
import { usersRoutes } from './routes/users.ts';

/** Every route of the directory administration API, each behind the gate (`gate.ts`). */
export const GRAPH_API_ROUTES = [
  usersRoutes,
  groupsRoutes,
  roleAssignmentsRoutes,
  applicationsRoutes,
  securityDefaultsRoutes,
  signInsRoutes,
  registrationDetailsRoutes,
];

/** The directory administration API under `/v1.0`, shaped like Microsoft Graph (issue 4 item 1). */
export async function registerGraphApi(app: FastifyInstance, ctx: WardenContext): Promise<void> {
  const verifier = new AccessTokenVerifier({
    db: ctx.db,
    keys: ctx.publicKeys,
    baseUrl: ctx.config.baseUrl,
    audience: GRAPH_API,
    clock: ctx.clock,
  });
  await app.register(
    async (api) => {
      installGraphGate(api, ctx, verifier);
      for (const routes of GRAPH_API_ROUTES) routes(api, ctx);
    },
    { prefix: '/v1.0' },
  );
}
