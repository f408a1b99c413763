import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { canonicalGuid } from '../../guid.ts';
import { html } from '../../http/html.ts';
import { getCustomer, listCustomers } from '../../partner-center/customers.ts';
import { listSubscriptions } from '../../partner-center/orders.ts';
import { listServiceRequests } from '../../partner-center/service-requests.ts';
import { viewerOf } from '../guard.ts';
import { sendPage } from '../respond.ts';
import { dashboardPage, day, money, table } from '../views/layout.ts';

/** Customers (all pages under /commerce/: SPEC E1 row 1). */
export function customerPages(app: FastifyInstance, ctx: WardenContext): void {
  app.get<{ Querystring: { q?: string } }>(
    '/commerce/customers',
    { config: { dashboardPage: { operation: 'customers.list', area: 'customers' } } },
    async (req, reply) => {
      const viewer = viewerOf(req);
      const q = typeof req.query.q === 'string' ? req.query.q.slice(0, 100) : '';
      const customers = await listCustomers(ctx.db, viewer.tenant.id, { search: q });
      return sendPage(
        reply,
        200,
        dashboardPage(
          'Customers',
          html`<form method="get" action="/commerce/customers" class="search" role="search">
<label for="q">Search by company or domain</label>
<input id="q" name="q" type="search" value="${q}">
<button type="submit">Search</button>
</form>
<p><a href="/dashboard/customers/gdap">GDAP relationships</a> (granular delegated admin, Admin agents)</p>
${table(
  ['Company', 'Domain', 'Country', 'Relationship', 'Delegated admin'],
  customers.map(
    (c) =>
      html`<tr><td><a href="/commerce/customers/${c.id}">${c.companyName}</a></td><td>${c.domain}</td><td>${c.country}</td><td>${c.relationship}</td><td>${c.delegatedAdmin === 'none' ? 'no' : c.delegatedAdmin.toUpperCase()}</td></tr>`,
  ),
  q ? `No customer matches “${q}”.` : 'No customers yet.',
)}`,
          viewer,
          '/commerce/customers',
        ),
      );
    },
  );

  app.get<{ Params: { id: string } }>(
    '/commerce/customers/:id',
    { config: { dashboardPage: { operation: 'customers.view', area: 'customers' } } },
    async (req, reply) => {
      const viewer = viewerOf(req);
      const id = canonicalGuid(req.params.id);
      const customer = id ? await getCustomer(ctx.db, viewer.tenant.id, id) : undefined;
      if (!customer) {
        return sendPage(
          reply,
          404,
          dashboardPage(
            'Customer not found',
            html`<p><a href="/commerce/customers">All customers</a></p>`,
            viewer,
          ),
        );
      }
      const [subscriptions, requests] = await Promise.all([
        listSubscriptions(ctx.db, viewer.tenant.id, customer.id),
        listServiceRequests(ctx.db, viewer.tenant.id, { customerId: customer.id }),
      ]);
      return sendPage(
        reply,
        200,
        dashboardPage(
          customer.companyName,
          html`<dl class="facts">
<dt>Domain</dt><dd>${customer.domain}</dd>
<dt>Tenant id</dt><dd>${customer.customerTenantId}</dd>
<dt>Address</dt><dd>${customer.profile.addressLine1}, ${customer.profile.city} ${customer.profile.postalCode}, ${customer.country}</dd>
<dt>Billing contact</dt><dd>${customer.profile.email}</dd>
<dt>Relationship</dt><dd>${customer.relationship}; delegated admin: ${customer.delegatedAdmin === 'none' ? 'not granted' : customer.delegatedAdmin.toUpperCase()}</dd>
<dt>GDAP</dt><dd><a href="/dashboard/customers/${customer.id}/gdap">Granular admin relationships</a></dd>
</dl>
<h2>Subscriptions</h2>
${table(
  ['Subscription', 'Quantity', 'Billing', 'Price', 'Status', 'Renews'],
  subscriptions.map(
    (s) =>
      html`<tr><td>${s.friendlyName}</td><td>${s.quantity}</td><td>${s.billingCycle}</td><td>${money(s.unitPriceCents, s.currency)}</td><td>${s.status}</td><td>${day(s.commitmentEndAt)}</td></tr>`,
  ),
  'No subscriptions.',
)}
<h2>Service requests</h2>
${table(
  ['Title', 'Severity', 'Status', 'Opened'],
  requests.map(
    (r) =>
      html`<tr><td>${r.title}</td><td>${r.severity}</td><td>${r.status}</td><td>${day(r.createdAt)}</td></tr>`,
  ),
  'No requests.',
)}
<p><a href="/commerce/customers">All customers</a></p>`,
          viewer,
          '/commerce/customers',
        ),
      );
    },
  );
}
