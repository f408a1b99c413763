import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { listRelationships } from '../../delegated-admin/relationships.ts';
import { canonicalGuid } from '../../guid.ts';
import { html } from '../../http/html.ts';
import { getCustomer } from '../../partner-center/customers.ts';
import { viewerOf } from '../guard.ts';
import { sendPage } from '../respond.ts';
import { GDAP_FILTERS, gdapFilter, matchesFilter } from '../views/gdap-expiry.ts';
import { NEW_RELATIONSHIP } from '../views/gdap-forms.ts';
import { GDAP_HOME, relationshipTable } from '../views/gdap-views.ts';
import { dashboardPage } from '../views/layout.ts';
import { gdapActionPages } from './gdap-actions.ts';
import { gdapActivityPages } from './gdap-activity.ts';
import { GDAP_NAV, relationshipRows, renderCreate, renderRelationship } from './gdap-render.ts';

const AREA = 'gdap' as const;

/**
 * Customers > GDAP (issue 10 item 4; SPEC §13): the partner's granular delegated admin
 * relationships, per customer and all together, in the `gdap` area (Admin agents, MFA: the page
 * gate decides). The changes are in gdap-actions.ts, the activity log in gdap-activity.ts.
 */
export function gdapPages(app: FastifyInstance, ctx: WardenContext): void {
  app.get<{ Querystring: { filter?: string } }>(
    GDAP_HOME,
    { config: { dashboardPage: { operation: 'gdap.relationships.list', area: AREA } } },
    async (req, reply) => {
      const viewer = viewerOf(req);
      const filter = gdapFilter(req.query.filter);
      const now = ctx.clock.now();
      const all = await listRelationships(ctx.db, viewer.tenant.id);
      const rows = await relationshipRows(
        ctx,
        viewer.tenant.id,
        all.filter((r) => matchesFilter(r, filter, now)),
      );
      return sendPage(
        reply,
        200,
        dashboardPage(
          'GDAP relationships',
          html`<p><a href="${GDAP_HOME}/new">Request a relationship</a> · <a href="${GDAP_HOME}/activity">Activity log</a></p>
<nav aria-label="Filter relationships" class="filters"><ul>${Object.entries(GDAP_FILTERS).map(
            ([key, label]) =>
              html`<li><a href="${GDAP_HOME}?filter=${key}"${key === filter ? html` aria-current="true"` : ''}>${label}</a></li>`,
          )}</ul></nav>
${relationshipTable(rows, now, filter === 'all' ? 'No GDAP relationships yet.' : `No relationship is ${GDAP_FILTERS[filter].toLowerCase()}.`)}`,
          viewer,
          GDAP_NAV,
        ),
      );
    },
  );

  app.get<{ Querystring: { customer?: string } }>(
    `${GDAP_HOME}/new`,
    { config: { dashboardPage: { operation: 'gdap.relationships.new', area: AREA } } },
    async (req, reply) => {
      const viewer = viewerOf(req);
      const customerId = canonicalGuid(req.query.customer) ?? '';
      return sendPage(reply, 200, await renderCreate(ctx, viewer, { ...NEW_RELATIONSHIP, customerId }));
    },
  );

  app.get<{ Params: { id: string } }>(
    `${GDAP_HOME}/relationships/:id`,
    { config: { dashboardPage: { operation: 'gdap.relationships.view', area: AREA } } },
    async (req, reply) => {
      const viewer = viewerOf(req);
      const page = await renderRelationship(ctx, viewer, req.params.id.slice(0, 100).toLowerCase());
      if (page) return sendPage(reply, 200, page);
      return sendPage(reply, 404, notFound(viewer, 'Relationship not found'));
    },
  );

  app.get<{ Params: { customerId: string } }>(
    '/dashboard/customers/:customerId/gdap',
    { config: { dashboardPage: { operation: 'gdap.customer.view', area: AREA } } },
    async (req, reply) => {
      const viewer = viewerOf(req);
      const id = canonicalGuid(req.params.customerId);
      const customer = id ? await getCustomer(ctx.db, viewer.tenant.id, id) : undefined;
      if (!customer) return sendPage(reply, 404, notFound(viewer, 'Customer not found'));
      const now = ctx.clock.now();
      const relationships = await listRelationships(ctx.db, viewer.tenant.id, {
        customerTenantId: customer.customerTenantId,
      });
      const rows = await relationshipRows(ctx, viewer.tenant.id, relationships);
      return sendPage(
        reply,
        200,
        dashboardPage(
          `${customer.companyName}: GDAP relationships`,
          html`<p><a href="${GDAP_HOME}/new?customer=${customer.id}">Request a relationship with ${customer.companyName}</a></p>
${relationshipTable(rows, now, `No GDAP relationship with ${customer.companyName} yet.`)}
<p><a href="/commerce/customers/${customer.id}">${customer.companyName}</a> · <a href="${GDAP_HOME}">All GDAP relationships</a></p>`,
          viewer,
          GDAP_NAV,
        ),
      );
    },
  );

  gdapActionPages(app, ctx);
  gdapActivityPages(app, ctx);
}

function notFound(viewer: Parameters<typeof dashboardPage>[2], title: string): string {
  return dashboardPage(
    title,
    html`<p><a href="${GDAP_HOME}">All GDAP relationships</a></p>`,
    viewer,
    GDAP_NAV,
  );
}
