import type { FastifyInstance } from 'fastify';
import { listAuditEvents } from '../../audit/audit-events.ts';
import type { WardenContext } from '../../context.ts';
import { sendPage } from '../../dashboard/respond.ts';
import { table } from '../../dashboard/views/layout.ts';
import { html } from '../../http/html.ts';
import { adminViewerOf } from '../gate.ts';
import { when } from '../relationship-view.ts';
import { adminPage } from '../views/layout.ts';

/**
 * The customer's audit log: its tenant's events, newest first — among them every approval,
 * rejection and termination of a partner relationship, which the domain writes into both the
 * partner's and the customer's logs (relationships.ts).
 */
export function auditPages(app: FastifyInstance, ctx: WardenContext): void {
  app.get(
    '/admin/audit',
    { config: { adminPage: { operation: 'auditEvents.list' } } },
    async (req, reply) => {
      const viewer = adminViewerOf(req);
      const events = await listAuditEvents(ctx.db, viewer.tenant.id, { limit: 500 });
      return sendPage(
        reply,
        200,
        adminPage(
          'Audit log',
          table(
            ['When', 'Category', 'Activity', 'By', 'Target'],
            events.map(
              (e) =>
                html`<tr data-activity="${e.activity}" data-target="${e.target.id}"><td>${when(e.occurredAt)}</td><td>${e.category}</td><td>${e.activity}</td><td>${e.actor.name}</td><td>${e.target.name ?? e.target.id}</td></tr>`,
            ),
            'No events yet.',
          ),
          viewer,
          '/admin/audit',
        ),
      );
    },
  );
}
