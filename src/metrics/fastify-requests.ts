import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { HttpRequests, RouteSeries } from './http-requests.ts';
import { authorityRouteOf, surfaceOfRoute } from './surfaces.ts';
import { tenantClassIndexOf } from './tenant-class.ts';

type OnResponse = (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;

/**
 * Counts every Fastify request under its route *pattern* (issue 16 item 2). Each route gets an
 * onResponse hook bound to its own series when it is registered, so a request costs a map lookup
 * by a small integer and a few additions; requests no route matched are counted apart, under
 * their surface. Must run before the routes are registered (onRoute sees only later ones).
 */
export function countFastifyRequests(app: FastifyInstance, http: HttpRequests): void {
  app.addHook('onRoute', (route) => {
    const url = route.url ?? route.path;
    const series = http.series(surfaceOfRoute(url), url);
    const hook: OnResponse = (req, reply, done) => {
      series.observe(req.method, reply.statusCode, tenantClassIndexOf(req.raw), reply.elapsedTime / 1000);
      done();
    };
    const existing = route.onResponse;
    route.onResponse =
      existing === undefined ? [hook] : [hook, ...(Array.isArray(existing) ? existing : [existing])];
  });
  const unmatched = new Map<string, RouteSeries>();
  app.addHook('onResponse', (req, reply, done) => {
    if (req.is404) {
      const surface = surfaceOfRoute(req.url);
      let series = unmatched.get(surface);
      if (!series) {
        series = http.series(surface, `{unmatched:${surface}}`);
        unmatched.set(surface, series);
      }
      series.observe(req.method, reply.statusCode, tenantClassIndexOf(req.raw), reply.elapsedTime / 1000);
    }
    done();
  });
}

/**
 * Counts a request an authority answered (oidc-provider runs outside Fastify, src/http/server.ts):
 * when its response has gone out, under the pattern of the URL it arrived with.
 */
export function countAuthorityRequest(
  http: HttpRequests,
  url: string,
  req: IncomingMessage,
  res: ServerResponse,
  startedAt: number,
): void {
  const series = http.series('authority', authorityRouteOf(url));
  const record = () =>
    series.observe(
      req.method,
      res.statusCode,
      tenantClassIndexOf(req),
      (performance.now() - startedAt) / 1000,
    );
  if (res.writableFinished) record();
  else res.once('close', record); // also when the client went away first
}
