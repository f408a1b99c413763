import { GRAPH_PERMISSIONS, type GraphPermission } from './access.ts';

/**
 * What every route of the directory administration API declares (STYLE 2): its operation name
 * (for logs and errors) and the one permission of `GRAPH_PERMISSIONS` it needs. A route without a
 * valid declaration cannot be registered.
 */
export interface GraphRouteDeclaration {
  operation: string;
  permission: GraphPermission;
}

/** Why a declaration cannot be accepted, or undefined if it can (checked when the route is registered). */
export function graphDeclarationProblem(declaration: unknown): string | undefined {
  if (!declaration) return 'must declare its operation and permission (config.graph)';
  const d = declaration as Partial<GraphRouteDeclaration>;
  if (typeof d.operation !== 'string' || d.operation === '') return 'must name its operation';
  if (typeof d.permission !== 'string' || !Object.hasOwn(GRAPH_PERMISSIONS, d.permission))
    return `declares an unknown permission ${JSON.stringify(d.permission)}`;
  return undefined;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    graph?: GraphRouteDeclaration;
  }
}
