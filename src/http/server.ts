import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { sql } from 'kysely';
import { registerAdminCenter } from '../admin-center/index.ts';
import type { WardenContext } from '../context.ts';
import { registerDashboard } from '../dashboard/index.ts';
import { registerGraphApi } from '../graph-api/index.ts';
import { countAuthorityRequest, countFastifyRequests } from '../metrics/fastify-requests.ts';
import { HttpRequests } from '../metrics/http-requests.ts';
import { MetricsListener } from '../metrics/listener.ts';
import { registerActivationRoutes } from '../onboarding/activation-routes.ts';
import { registerPartnerApi } from '../partner-api/index.ts';
import { registerSecurityInfoRoutes } from '../security-info/routes.ts';
import { registerSelfServicePasswordResetRoutes } from '../self-service-password-reset/routes.ts';
import { registerInteractionRoutes } from '../sign-in/interaction-routes.ts';
import { Admission } from './load-shedding.ts';
import { setSecurityHeaders } from './security-headers.ts';
import { createNodeServer } from './tls.ts';
import { TrustedProxies } from './trusted-proxies.ts';
import {
  Overloaded,
  oauthUnavailableBody,
  RETRY_AFTER_SECONDS,
  retryAfterOf,
  wantsHtml,
} from './unavailable.ts';
import { unavailablePage } from './unavailable-page.ts';

const CSS = readFileSync(new URL('./assets/warden.css', import.meta.url));
const FORM_POST_JS = readFileSync(new URL('./assets/form-post.js', import.meta.url));
const PASSKEY_JS = readFileSync(new URL('./assets/passkey.js', import.meta.url));
// @simplewebauthn/browser's own browser bundle (issue 15 item 1), served as it ships.
const WEBAUTHN_BROWSER_JS = readFileSync(
  join(
    dirname(createRequire(import.meta.url).resolve('@simplewebauthn/browser')),
    '../dist/bundle/index.umd.min.js',
  ),
);

/**
 * One HTTP server: authority paths (`/{tenant}/oauth2/v2.0/*`, discovery, keys) go straight to
 * that tenant's oidc-provider; everything else is Fastify's.
 */
export async function buildServer(ctx: WardenContext): Promise<FastifyInstance> {
  const admission = new Admission({
    maxConcurrent: ctx.config.maxConcurrentRequests,
    maxEventLoopDelayMs: ctx.config.maxEventLoopDelayMs,
  });
  // Requests over the concurrency limit: refused before any work by the onRequest hook below.
  const shed = new WeakSet<IncomingMessage>();
  const proxies = new TrustedProxies(ctx.config.trustedProxies);
  // Requests are counted for the metrics, or only timed for the traces, or neither (no cost).
  const http = ctx.metrics?.http ?? (ctx.tracing ? new HttpRequests() : undefined);
  if (http) http.tracing = ctx.tracing;
  const app = Fastify({
    // X-Forwarded-* reach Fastify only from a trusted proxy, cut to its hop (trusted-proxies.ts).
    trustProxy: (address: string, hop: number) => hop === 0 && proxies.trusts(address),
    loggerInstance: ctx.log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    // Unknown properties are an error (issue 3: bad input gets a clear error), never silently dropped.
    ajv: { customOptions: { removeAdditional: false } },
    // While draining, requests on open connections are still served, with `Connection: close`
    // (admission.drain), rather than refused in a body of Fastify's shape.
    return503OnClosing: false,
    serverFactory: (fastifyHandler) =>
      // https when WARDEN_TLS_CERT/WARDEN_TLS_KEY are set (issue 4 item 3), else http.
      createNodeServer(ctx.config.tls, (req: IncomingMessage, res: ServerResponse) => {
        proxies.accept(req);
        if (!admission.admit(req, res)) {
          // Every surface refuses in its own shape: the error handler of the path's plugin.
          shed.add(req);
          fastifyHandler(req, res);
          return;
        }
        // The authority may rewrite req.url; its metrics label comes from the URL as it arrived.
        const url = req.url ?? '/';
        const startedAt = http ? performance.now() : 0;
        ctx.authorities.dispatch(req, res).then(
          (handled) => {
            if (!handled) fastifyHandler(req, res);
            else if (http) countAuthorityRequest(http, url, req, res, startedAt);
          },
          (error: unknown) => {
            if (http) countAuthorityRequest(http, url, req, res, startedAt);
            const retryAfter = retryAfterOf(error);
            if (retryAfter === undefined) ctx.log.error({ err: error }, 'authority dispatch failed');
            else ctx.log.warn({ err: error }, 'authority request refused: temporarily unavailable');
            if (res.headersSent) return void res.end();
            if (retryAfter === undefined) {
              res.statusCode = 500;
              res.setHeader('Content-Type', 'application/json');
              return void res.end(
                JSON.stringify({ error: 'server_error', error_description: 'Unexpected error.' }),
              );
            }
            res.statusCode = 503;
            res.setHeader('Retry-After', String(retryAfter));
            if (wantsHtml(req.headers.accept)) {
              setSecurityHeaders(res);
              res.setHeader('Content-Type', 'text/html; charset=utf-8');
              return void res.end(unavailablePage(error));
            }
            res.setHeader('Content-Type', 'application/json; charset=utf-8');
            res.end(JSON.stringify(oauthUnavailableBody(error)));
          },
        );
      }),
  });

  // Issue 16 item 2: before any route is registered (each route is bound to its series).
  if (http) countFastifyRequests(app, http);
  app.server.once('listening', () => admission.watch());
  app.addHook('onRequest', async (req) => {
    if (shed.has(req.raw)) throw new Overloaded();
  });
  // Pages and everything outside the two APIs (which map these in their own shapes): a database
  // that does not answer, or a shed request, is a 503 page for a browser, else OAuth's JSON.
  app.setErrorHandler((error, req, reply) => {
    const retryAfter = retryAfterOf(error);
    if (retryAfter === undefined) throw error; // Fastify's own handler
    if (!(error instanceof Overloaded))
      req.log.warn({ err: error }, 'request refused: temporarily unavailable');
    reply.code(503).header('Retry-After', String(retryAfter));
    if (wantsHtml(req.headers.accept)) {
      setSecurityHeaders(reply.raw);
      return reply.type('text/html; charset=utf-8').send(unavailablePage(error));
    }
    return reply.type('application/json; charset=utf-8').send(oauthUnavailableBody(error));
  });

  // HTML forms arrive as application/x-www-form-urlencoded; the last value of a repeated field wins.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  app.get('/assets/warden.css', (_req, reply) => {
    reply.header('Cache-Control', 'public, max-age=3600').type('text/css; charset=utf-8').send(CSS);
  });
  for (const [path, script] of [
    ['/assets/form-post.js', FORM_POST_JS],
    ['/assets/passkey.js', PASSKEY_JS],
    ['/assets/simplewebauthn-browser.js', WEBAUTHN_BROWSER_JS],
  ] as const) {
    app.get(path, (_req, reply) => {
      reply
        .header('Cache-Control', 'public, max-age=3600')
        .type('text/javascript; charset=utf-8')
        .send(script);
    });
  }
  // Liveness: the process answers, whatever the database does.
  app.get('/healthz', async () => ({ status: 'ok', database: ctx.dbKind }));
  // Readiness: send traffic here only while the database answers, within its timeouts, a
  // transaction (SQLite: one that takes the write lock, as sign-ins need) and no shutdown is under way.
  app.get('/readyz', async (_req, reply) => {
    reply.header('Cache-Control', 'no-store');
    if (admission.draining) return reply.code(503).send({ status: 'draining', database: ctx.dbKind });
    try {
      await ctx.db.transaction().execute((trx) => sql`select 1`.execute(trx));
    } catch (error) {
      reply.header('Retry-After', String(retryAfterOf(error) ?? RETRY_AFTER_SECONDS.database));
      return reply.code(503).send({ status: 'unavailable', database: ctx.dbKind });
    }
    return { status: 'ready', database: ctx.dbKind };
  });
  app.get('/', (_req, reply) => {
    setSecurityHeaders(reply.raw);
    reply.type('application/json').send({
      name: 'Warden',
      authorities: `${ctx.config.baseUrl}/{tenant}/v2.0/.well-known/openid-configuration`,
      dashboard: `${ctx.config.baseUrl}/dashboard`,
      partnerApi: `${ctx.config.baseUrl}/v1`,
      graphApi: `${ctx.config.baseUrl}/v1.0`,
    });
  });
  registerInteractionRoutes(app, ctx);
  registerActivationRoutes(app, ctx);
  registerSelfServicePasswordResetRoutes(app, ctx);
  registerSecurityInfoRoutes(app, ctx);
  await registerPartnerApi(app, ctx);
  await registerGraphApi(app, ctx);
  // The customer admin center signs in with the dashboard's relying party and session store.
  await registerAdminCenter(app, ctx, await registerDashboard(app, ctx));
  // Graceful shutdown (SIGTERM, serve.ts): from the moment close begins, readiness says so and
  // every response closes its connection; Fastify then closes the idle keep-alive connections and
  // waits for the requests in flight.
  app.addHook('preClose', async () => admission.drain());
  app.addHook('onClose', async () => admission.close());
  // `/metrics` on its own listener (docs/metrics.md), up and down with the public one.
  if (ctx.metrics && ctx.config.metrics) {
    const settings = ctx.config.metrics;
    const listener = new MetricsListener(ctx.metrics, settings);
    // onReady, not onListen: a metrics port that cannot be bound stops the start (Fastify only
    // logs an onListen hook's error) — a Warden asked for metrics does not run without them.
    app.addHook('onReady', async () => {
      await listener.listen();
      ctx.log.info(
        `metrics on http://${settings.host}:${listener.port}/metrics${settings.token ? ' (bearer token required)' : ''}`,
      );
    });
    app.addHook('onClose', async () => listener.close());
  }
  const tracing = ctx.tracing;
  if (tracing) app.addHook('onClose', () => tracing.shutdown());
  // Graceful shutdown stores the request log rows still in memory (issue 3 item 4).
  app.addHook('onClose', () => ctx.requestLog.close());
  // …and the service-principal sign-ins still buffered (issue 12 item 5).
  app.addHook('onClose', () => ctx.servicePrincipalSignIns.close());
  return app;
}
