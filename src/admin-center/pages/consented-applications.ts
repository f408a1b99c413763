import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { redirect, sendPage } from '../../dashboard/respond.ts';
import { html } from '../../http/html.ts';
import { removeServicePrincipal } from '../../service-principals/service-principals.ts';
import { adminViewerOf } from '../gate.ts';
import { adminPage } from '../views/layout.ts';

const LIST = '/admin/partners';

/**
 * Removing a partner-consented application (reference §3.3, the customer's side of CPV): the
 * tenant's Global Administrator (the gate) deletes the service principal and its grants, audited
 * in both tenants' logs; the app's next token request at this tenant's authority is refused.
 */
export function consentedApplicationPages(app: FastifyInstance, ctx: WardenContext): void {
  app.post<{ Params: { appId: string } }>(
    `${LIST}/applications/:appId/remove`,
    { config: { adminPage: { operation: 'partnerApplications.remove' } } },
    async (req, reply) => {
      const viewer = adminViewerOf(req);
      const removed = await removeServicePrincipal(
        ctx.db,
        viewer.tenant.id,
        req.params.appId,
        {},
        {
          tenantId: viewer.tenant.id,
          userId: viewer.user.id,
          appId: null,
          name: viewer.user.userPrincipalName,
        },
        ctx.clock.now(),
      );
      if (!removed)
        return sendPage(
          reply,
          404,
          adminPage(
            'Application not found',
            html`<p data-testid="not-found">No partner has consented this application into your organisation.</p>`,
            viewer,
            LIST,
          ),
        );
      return redirect(reply, LIST);
    },
  );
}
