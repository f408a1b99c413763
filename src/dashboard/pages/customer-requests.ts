import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { html } from '../../http/html.ts';
import { getCustomer, listCustomers } from '../../partner-center/customers.ts';
import {
  createServiceRequest,
  listServiceRequests,
  SEVERITIES,
  type Severity,
} from '../../partner-center/service-requests.ts';
import { viewerOf } from '../guard.ts';
import { redirect, sendPage } from '../respond.ts';
import { dashboardPage, day, table } from '../views/layout.ts';

/** Support > Customer requests (SPEC E1 row 2): the list and a form to open one. */
export function customerRequestPages(app: FastifyInstance, ctx: WardenContext): void {
  const render = async (req: Parameters<typeof viewerOf>[0], error?: string) => {
    const viewer = viewerOf(req);
    const [requests, customers] = await Promise.all([
      listServiceRequests(ctx.db, viewer.tenant.id),
      listCustomers(ctx.db, viewer.tenant.id),
    ]);
    const names = new Map(customers.map((c) => [c.id, c.companyName]));
    return dashboardPage(
      'Customer requests',
      html`${table(
        ['Title', 'Customer', 'Severity', 'Status', 'Opened by', 'Opened'],
        requests.map(
          (r) =>
            html`<tr><td>${r.title}</td><td>${r.customerId ? (names.get(r.customerId) ?? r.customerId) : '—'}</td><td>${r.severity}</td><td>${r.status}</td><td>${r.createdBy}</td><td>${day(r.createdAt)}</td></tr>`,
        ),
        'No open requests.',
      )}
<h2>Open a request for a customer</h2>
${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<form method="post" action="/dashboard/support/customers" class="stack">
<input type="hidden" name="csrf" value="${viewer.session.csrf}">
<label for="customer">Customer</label>
<select id="customer" name="customerId">${customers.map((c) => html`<option value="${c.id}">${c.companyName}</option>`)}</select>
<label for="title">Title</label>
<input id="title" name="title" required maxlength="256">
<label for="description">Description</label>
<textarea id="description" name="description" required maxlength="8000" rows="4"></textarea>
<label for="severity">Severity</label>
<select id="severity" name="severity">${SEVERITIES.map((s) => html`<option value="${s}">${s}</option>`)}</select>
<button type="submit">Open request</button>
</form>`,
      viewer,
      '/dashboard/support/customers',
    );
  };

  app.get(
    '/dashboard/support/customers',
    { config: { dashboardPage: { operation: 'servicerequests.list', area: 'customer-requests' } } },
    async (req, reply) => sendPage(reply, 200, await render(req)),
  );

  app.post<{ Body: Record<string, string | undefined> }>(
    '/dashboard/support/customers',
    { config: { dashboardPage: { operation: 'servicerequests.create', area: 'customer-requests' } } },
    async (req, reply) => {
      const viewer = viewerOf(req);
      const form = req.body ?? {};
      const title = String(form.title ?? '').trim();
      const description = String(form.description ?? '').trim();
      const severity = String(form.severity ?? '') as Severity;
      const customer = await getCustomer(ctx.db, viewer.tenant.id, String(form.customerId ?? ''));
      const error = !customer
        ? 'Choose one of your customers.'
        : !title || title.length > 256
          ? 'Give the request a title (up to 256 characters).'
          : !description || description.length > 8000
            ? 'Describe the problem (up to 8000 characters).'
            : !SEVERITIES.includes(severity)
              ? 'Choose a severity.'
              : undefined;
      if (error || !customer) return sendPage(reply, 400, await render(req, error));
      await createServiceRequest(
        ctx.db,
        viewer.tenant.id,
        { customerId: customer.id, title, description, severity, supportTopic: 'Customer request' },
        viewer.user.userPrincipalName,
        ctx.clock.now(),
      );
      return redirect(reply, '/dashboard/support/customers');
    },
  );
}
