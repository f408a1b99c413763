import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { WardenContext } from '../context.ts';
import { registerDashboard } from '../dashboard/index.ts';
import { registerGraphApi } from '../graph-api/index.ts';
import { registerActivationRoutes } from '../onboarding/activation-routes.ts';
import { registerPartnerApi } from '../partner-api/index.ts';
import { registerInteractionRoutes } from '../sign-in/interaction-routes.ts';
import { setSecurityHeaders } from './security-headers.ts';
import { createNodeServer } from './tls.ts';

const CSS = readFileSync(new URL('./assets/warden.css', import.meta.url));
const FORM_POST_JS = readFileSync(new URL('./assets/form-post.js', import.meta.url));

/**
 * One HTTP server: authority paths (`/{tenant}/oauth2/v2.0/*`, discovery, keys) go straight to
 * that tenant's oidc-provider; everything else is Fastify's.
 */
export async function buildServer(ctx: WardenContext): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    // Unknown properties are an error (issue 3: bad input gets a clear error), never silently dropped.
    ajv: { customOptions: { removeAdditional: false } },
    serverFactory: (fastifyHandler) =>
      // https when WARDEN_TLS_CERT/WARDEN_TLS_KEY are set (issue 4 item 3), else http.
      createNodeServer(ctx.config.tls, (req: IncomingMessage, res: ServerResponse) => {
        ctx.authorities.dispatch(req, res).then(
          (handled) => {
            if (!handled) fastifyHandler(req, res);
          },
          (error: unknown) => {
            ctx.log.error({ err: error }, 'authority dispatch failed');
            if (!res.headersSent) {
              res.statusCode = 500;
              res.setHeader('Content-Type', 'application/json');
            }
            res.end(JSON.stringify({ error: 'server_error', error_description: 'Unexpected error.' }));
          },
        );
      }),
  });

  // HTML forms arrive as application/x-www-form-urlencoded; the last value of a repeated field wins.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  app.get('/assets/warden.css', (_req, reply) => {
    reply.header('Cache-Control', 'public, max-age=3600').type('text/css; charset=utf-8').send(CSS);
  });
  app.get('/assets/form-post.js', (_req, reply) => {
    reply
      .header('Cache-Control', 'public, max-age=3600')
      .type('text/javascript; charset=utf-8')
      .send(FORM_POST_JS);
  });
  app.get('/healthz', async () => ({ status: 'ok', database: ctx.dbKind }));
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
  await registerPartnerApi(app, ctx);
  await registerGraphApi(app, ctx);
  await registerDashboard(app, ctx);
  // Graceful shutdown stores the request log rows still in memory (issue 3 item 4).
  app.addHook('onClose', () => ctx.requestLog.close());
  return app;
}
