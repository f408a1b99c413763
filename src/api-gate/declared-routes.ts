import type { FastifyContextConfig, FastifyInstance, FastifyRequest } from 'fastify';

/**
 * STYLE 2, fail closed: every route of a gated API declares, under one key of its route config,
 * what the gate needs to judge a request (`partnerApi`, `graph`). A route whose declaration is
 * missing or invalid cannot be registered: type stripping checks no types at run time, so a
 * misspelt declaration would otherwise only fail (closed, but late) on the first request.
 */
export function requireDeclarations(
  api: FastifyInstance,
  input: {
    key: keyof FastifyContextConfig;
    /** How the error names the route, e.g. "Partner API route". */
    label: string;
    /** Why a declaration cannot be accepted, or undefined if it can. */
    problem: (declaration: unknown) => string | undefined;
  },
): void {
  api.addHook('onRoute', (route) => {
    const problem = input.problem(route.config?.[input.key]);
    if (problem) throw new Error(`${input.label} ${String(route.method)} ${route.url} ${problem}`);
  });
}

/**
 * The declaration of the route a request reached; `refuse` when there is none (should an
 * undeclared route ever be reached, it is refused, not served).
 */
export function declarationOf<K extends keyof FastifyContextConfig>(
  req: FastifyRequest,
  key: K,
  refuse: () => Error,
): NonNullable<FastifyContextConfig[K]> {
  const declaration = req.routeOptions.config[key];
  if (!declaration) throw refuse();
  return declaration as NonNullable<FastifyContextConfig[K]>;
}
