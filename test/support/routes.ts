import type { FastifyInstance } from 'fastify';

/** Every route of a Fastify app as `METHOD /path`, read from the tree `printRoutes` draws (4 columns a level). */
export function routesOf(app: FastifyInstance): string[] {
  const paths: string[] = [];
  const routes: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const at = line.indexOf('── ');
    if (at < 0) continue;
    const depth = (at - 1) / 4;
    const m = /^(.*?)(?: \(([^)]*)\))?$/.exec(line.slice(at + 3))!;
    paths.length = depth;
    const path = `${paths[depth - 1] ?? ''}${m[1]}`;
    paths[depth] = path;
    for (const method of (m[2] ?? '').split(', ').filter(Boolean)) {
      if (method !== 'HEAD') routes.push(`${method} ${path}`);
    }
  }
  return routes;
}
