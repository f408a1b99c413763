import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../context.ts';
import { sendPage } from '../dashboard/respond.ts';
import { refuseCrossOriginWrites } from '../dashboard/same-origin.ts';
import type { SignInDeps } from '../dashboard/sign-in.ts';
import { html } from '../http/html.ts';
import { installAdminGate } from './gate.ts';
import { approvalPages } from './pages/approval.ts';
import { auditPages } from './pages/audit.ts';
import { consentedApplicationPages } from './pages/consented-applications.ts';
import { partnerActivityPages } from './pages/partner-activity.ts';
import { partnerRelationshipPages } from './pages/partner-relationships.ts';
import { adminSignInRoutes } from './sign-in.ts';
import { adminPage } from './views/layout.ts';

/** Every page of the admin center; each registers behind the gate (gate.ts). */
export const ADMIN_CENTER_PAGES = [
  approvalPages,
  partnerRelationshipPages,
  consentedApplicationPages,
  partnerActivityPages,
  auditPages,
];

/**
 * The customer admin center under `/admin` (SPEC §13, issue 10 item 2): where a customer's Global
 * Administrator answers a partner's GDAP request and sees or removes the partners' access. It
 * signs in with the dashboard's relying party and session store (`deps`), into a cookie of its own.
 */
export async function registerAdminCenter(
  app: FastifyInstance,
  ctx: WardenContext,
  deps: SignInDeps,
): Promise<void> {
  await app.register(async (admin) => {
    admin.addHook('onRequest', refuseCrossOriginWrites(ctx.config.baseUrl));
    admin.addHook('onRequest', async (_req, reply) => {
      if (await deps.ready()) return;
      reply.header('Retry-After', '30');
      return sendPage(
        reply,
        503,
        adminPage(
          'The admin center is not set up yet',
          html`<p>This Warden has no operator tenant yet; the admin center opens once <code>warden init</code> has created it.</p>`,
        ),
      );
    });
    adminSignInRoutes(admin, deps);
    await admin.register(async (pages) => {
      installAdminGate(pages, deps);
      for (const register of ADMIN_CENTER_PAGES) register(pages, ctx);
    });
  });
}
