import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../context.ts';
import { AccessTokenVerifier } from '../tokens/access-tokens.ts';
import { RESOURCE_SERVERS } from '../tokens/audiences.ts';

/** A set of routes of one API, registered inside its gate. */
export type RouteSet = (api: FastifyInstance, ctx: WardenContext) => void;

/**
 * Registers a resource API under `prefix` with its gate installed first, so every route of the
 * plugin passes it (STYLE 2): tokens verified for the API's audience only.
 */
export async function registerGatedApi(
  app: FastifyInstance,
  ctx: WardenContext,
  input: {
    prefix: string;
    audience: string;
    installGate: (api: FastifyInstance, ctx: WardenContext, verifier: AccessTokenVerifier) => void;
    routes: readonly RouteSet[];
  },
): Promise<void> {
  const server = RESOURCE_SERVERS.get(input.audience);
  if (!server) throw new Error(`no resource server ${input.audience}`);
  const verifier = new AccessTokenVerifier({
    db: ctx.db,
    keys: ctx.publicKeys,
    baseUrl: ctx.config.baseUrl,
    audience: input.audience,
    accessTokenType: server.accessTokenType,
    clock: ctx.clock,
  });
  await app.register(
    async (api) => {
      input.installGate(api, ctx, verifier);
      for (const routes of input.routes) routes(api, ctx);
    },
    { prefix: input.prefix },
  );
}
