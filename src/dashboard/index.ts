import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../context.ts';
import { html } from '../http/html.ts';
import { DashboardSessions } from '../relying-party/sessions.ts';
import { installPageGate } from './guard.ts';
import { DashboardRelyingParty } from './oidc-client.ts';
import { billingPages } from './pages/billing.ts';
import { customerRequestPages } from './pages/customer-requests.ts';
import { customerPages } from './pages/customers.ts';
import { dapPages } from './pages/dap.ts';
import { exceptionReviewPages } from './pages/exception-review.ts';
import { gdapPages } from './pages/gdap.ts';
import { overviewPages } from './pages/overview.ts';
import { programStatusPages } from './pages/program-status.ts';
import { securityPages } from './pages/security.ts';
import { securityAlertPages } from './pages/security-alerts.ts';
import { securityRequirementsPages } from './pages/security-requirements.ts';
import { securityUserPages } from './pages/security-user.ts';
import { technicalExceptionPages } from './pages/technical-exceptions.ts';
import { ensureDashboardClient } from './registration.ts';
import { sendPage } from './respond.ts';
import { refuseCrossOriginWrites } from './same-origin.ts';
import { type SignInDeps, signInRoutes } from './sign-in.ts';
import { signOutRoutes } from './sign-out.ts';
import { dashboardPage } from './views/layout.ts';

const CSS = readFileSync(new URL('./views/dashboard.css', import.meta.url));
// The GDAP pages' Copy button and auto-extension hint (no inline script: strict CSP).
const GDAP_JS = readFileSync(new URL('./views/dashboard-gdap.js', import.meta.url));

/** Every page of the dashboard; each registers behind the page gate (`guard.ts`). */
export const DASHBOARD_PAGES = [
  overviewPages,
  customerPages,
  gdapPages,
  customerRequestPages,
  billingPages,
  securityPages,
  // Issue 15 item 7: one user's sign-ins, risk and the admin unblock.
  securityUserPages,
  dapPages,
  // Issue 14 item 4: the security requirements and score; the operator's program page.
  securityRequirementsPages,
  programStatusPages,
  securityAlertPages,
  // SPEC §12: the partner files technical exceptions; the operator reviews them.
  technicalExceptionPages,
  exceptionReviewPages,
];

/**
 * The dashboard's relying party, once its client is registered. The client is the operator's, so
 * it can exist only once the operator tenant does: at start, or — on a new production install —
 * at the first dashboard request after `warden init` created it, with no restart. Until then
 * every call looks again (one indexed query); concurrent calls share one registration.
 */
function relyingPartyOnDemand(ctx: WardenContext): () => Promise<DashboardRelyingParty | undefined> {
  let found: Promise<DashboardRelyingParty | undefined> | undefined;
  return () => {
    if (!found) {
      const attempt = ensureDashboardClient(ctx).then(
        (client) => client && new DashboardRelyingParty(client, ctx.config),
        (error: unknown) => {
          ctx.log.error({ err: error }, 'dashboard client registration failed');
          return undefined;
        },
      );
      found = attempt;
      void attempt.then((rp) => {
        if (!rp && found === attempt) found = undefined;
      });
    }
    return found;
  };
}

/**
 * The Partner Center dashboard (issue 3 item 3): an OIDC client of Warden's own authorities.
 * Returns its relying party and session store, which the customer admin center signs in with too.
 */
export async function registerDashboard(app: FastifyInstance, ctx: WardenContext): Promise<SignInDeps> {
  app.get('/assets/dashboard.css', (_req, reply) => {
    reply.header('Cache-Control', 'public, max-age=3600').type('text/css; charset=utf-8').send(CSS);
  });
  app.get('/assets/dashboard-gdap.js', (_req, reply) => {
    reply
      .header('Cache-Control', 'public, max-age=3600')
      .type('text/javascript; charset=utf-8')
      .send(GDAP_JS);
  });
  const relyingParty = relyingPartyOnDemand(ctx);
  let rp = await relyingParty();
  if (!rp) ctx.log.warn('no operator tenant: the dashboard answers 503 until warden init creates one');
  const deps: SignInDeps = {
    ctx,
    sessions: new DashboardSessions(ctx.db),
    // Every dashboard route runs after the hook below has found the relying party.
    get rp() {
      if (!rp) throw new Error('dashboard route ran before its client was registered');
      return rp;
    },
    ready: async () => {
      rp ??= await relyingParty();
      return rp !== undefined;
    },
  };
  await app.register(async (dashboard) => {
    // Before the page gate and every handler: nothing is read or written for another origin's POST.
    dashboard.addHook('onRequest', refuseCrossOriginWrites(ctx.config.baseUrl));
    dashboard.addHook('onRequest', async (_req, reply) => {
      if (!(await deps.ready())) {
        reply.header('Retry-After', '30');
        return sendPage(
          reply,
          503,
          dashboardPage(
            'Partner Center is not set up yet',
            html`<p>This Warden has no operator tenant yet. The operator creates it with <code>warden init</code>; Partner Center opens as soon as that is done.</p>`,
          ),
        );
      }
    });
    signInRoutes(dashboard, deps);
    signOutRoutes(dashboard, deps);
    await dashboard.register(async (pages) => {
      installPageGate(pages, deps);
      for (const register of DASHBOARD_PAGES) register(pages, ctx);
    });
  });
  return deps;
}
