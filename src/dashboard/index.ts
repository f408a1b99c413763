import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../context.ts';
import { installPageGate } from './guard.ts';
import { DashboardRelyingParty } from './oidc-client.ts';
import { billingPages } from './pages/billing.ts';
import { customerRequestPages } from './pages/customer-requests.ts';
import { customerPages } from './pages/customers.ts';
import { overviewPages } from './pages/overview.ts';
import { securityPages } from './pages/security.ts';
import { ensureDashboardClient } from './registration.ts';
import { refuseCrossOriginWrites } from './same-origin.ts';
import { DashboardSessions } from './sessions.ts';
import { signInRoutes } from './sign-in.ts';
import { signOutRoutes } from './sign-out.ts';

const CSS = readFileSync(new URL('./views/dashboard.css', import.meta.url));

/** Every page of the dashboard; each registers behind the page gate (`guard.ts`). */
export const DASHBOARD_PAGES = [
  overviewPages,
  customerPages,
  customerRequestPages,
  billingPages,
  securityPages,
];

/** The Partner Center dashboard (issue 3 item 3): an OIDC client of Warden's own authorities. */
export async function registerDashboard(app: FastifyInstance, ctx: WardenContext): Promise<void> {
  app.get('/assets/dashboard.css', (_req, reply) => {
    reply.header('Cache-Control', 'public, max-age=3600').type('text/css; charset=utf-8').send(CSS);
  });
  const client = await ensureDashboardClient(ctx);
  if (!client) {
    ctx.log.warn('no operator tenant: the dashboard is not available until one exists');
    return;
  }
  const deps = {
    ctx,
    rp: new DashboardRelyingParty(client, ctx.config),
    sessions: new DashboardSessions(ctx.db),
  };
  await app.register(async (dashboard) => {
    // Before the page gate and every handler: nothing is read or written for another origin's POST.
    dashboard.addHook('onRequest', refuseCrossOriginWrites(ctx.config.baseUrl));
    signInRoutes(dashboard, deps);
    signOutRoutes(dashboard, deps);
    await dashboard.register(async (pages) => {
      installPageGate(pages, deps);
      for (const register of DASHBOARD_PAGES) register(pages, ctx);
    });
  });
}
