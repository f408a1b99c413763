import type { FastifyInstance } from 'fastify';
import { type AuditEvent, listAuditEvents } from '../../audit/audit-events.ts';
import type { WardenContext } from '../../context.ts';
import { AUDIT_CATEGORY } from '../../delegated-admin/relationships.ts';
import { html } from '../../http/html.ts';
import { setSecurityHeaders } from '../../http/security-headers.ts';
import { viewerOf } from '../guard.ts';
import { sendPage } from '../respond.ts';
import { csvDocument } from '../views/csv.ts';
import { GDAP_HOME, relationshipPath } from '../views/gdap-views.ts';
import { dashboardPage, table } from '../views/layout.ts';
import { customersByTenant, GDAP_NAV } from './gdap-render.ts';

const AREA = 'gdap' as const;
const ACTIVITY = `${GDAP_HOME}/activity`;
/** Partner Center's columns (reference §1.8), plus the relationship each event is about. */
const COLUMNS = ['Date-Time', 'Affected customer', 'Action', 'Performed by', 'Relationship'];

interface ActivityRow {
  at: string;
  customer: string;
  action: string;
  performedBy: string;
  relationship: string;
  relationshipId: string | undefined;
}

/** The partner's GDAP activity (its own audit log, category DelegatedAdministration), newest first. */
async function activity(ctx: WardenContext, partnerTenantId: string): Promise<ActivityRow[]> {
  const [events, customers] = await Promise.all([
    listAuditEvents(ctx.db, partnerTenantId, { category: AUDIT_CATEGORY, limit: 5000 }),
    customersByTenant(ctx, partnerTenantId),
  ]);
  return events.map((event: AuditEvent) => ({
    at: new Date(event.occurredAt).toISOString(),
    customer: event.otherTenantId
      ? (customers.get(event.otherTenantId)?.companyName ?? event.otherTenantId)
      : '',
    action: event.activity,
    performedBy: event.actor.name,
    relationship: event.target.name ?? event.target.id,
    relationshipId:
      event.target.type === 'delegatedAdminRelationship'
        ? event.target.id
        : typeof event.details.relationshipId === 'string'
          ? event.details.relationshipId
          : undefined,
  }));
}

/** Customers > GDAP > Activity log, and its CSV export (Partner Center's "Download"). */
export function gdapActivityPages(app: FastifyInstance, ctx: WardenContext): void {
  app.get(
    ACTIVITY,
    { config: { dashboardPage: { operation: 'gdap.activity.list', area: AREA } } },
    async (req, reply) => {
      const viewer = viewerOf(req);
      const rows = await activity(ctx, viewer.tenant.id);
      return sendPage(
        reply,
        200,
        dashboardPage(
          'GDAP activity log',
          html`<p><a href="${ACTIVITY}.csv" download>Download as CSV</a> · <a href="${GDAP_HOME}">All GDAP relationships</a></p>
${table(
  COLUMNS,
  rows.map(
    (r) =>
      html`<tr><td><time datetime="${r.at}">${r.at.replace('T', ' ').slice(0, 19)}</time></td><td>${r.customer || '—'}</td><td>${r.action}</td><td>${r.performedBy}</td><td>${r.relationshipId ? html`<a href="${relationshipPath(r.relationshipId)}">${r.relationship}</a>` : r.relationship}</td></tr>`,
  ),
  'No GDAP activity yet.',
)}`,
          viewer,
          GDAP_NAV,
        ),
      );
    },
  );

  app.get(
    `${ACTIVITY}.csv`,
    { config: { dashboardPage: { operation: 'gdap.activity.export', area: AREA } } },
    async (req, reply) => {
      const viewer = viewerOf(req);
      const rows = await activity(ctx, viewer.tenant.id);
      const body = csvDocument(
        COLUMNS,
        rows.map((r) => [r.at, r.customer, r.action, r.performedBy, r.relationship]),
      );
      setSecurityHeaders(reply.raw, [], 'same-origin');
      return reply
        .code(200)
        .header('Content-Disposition', 'attachment; filename="gdap-activity.csv"')
        .type('text/csv; charset=utf-8; header=present')
        .send(body);
    },
  );
}
