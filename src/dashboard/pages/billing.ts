import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { html } from '../../http/html.ts';
import { getInvoice, listInvoiceLineItems, listInvoices } from '../../partner-center/billing.ts';
import { viewerOf } from '../guard.ts';
import { sendPage } from '../respond.ts';
import { dashboardPage, day, money, table } from '../views/layout.ts';

/** Billing (SPEC E1 row 3): invoices and their line items. */
export function billingPages(app: FastifyInstance, ctx: WardenContext): void {
  app.get(
    '/dashboard/billing',
    { config: { dashboardPage: { operation: 'invoices.list', area: 'billing' } } },
    async (req, reply) => {
      const viewer = viewerOf(req);
      const invoices = await listInvoices(ctx.db, viewer.tenant.id);
      return sendPage(
        reply,
        200,
        dashboardPage(
          'Billing',
          table(
            ['Invoice', 'Date', 'Period', 'Total', 'Paid'],
            invoices.map(
              (i) =>
                html`<tr><td><a href="/dashboard/billing/invoices/${i.id}">${i.id}</a></td><td>${day(i.invoiceDate)}</td><td>${day(i.periodStart)} – ${day(i.periodEnd)}</td><td>${money(i.totalCents, i.currency)}</td><td>${money(i.paidCents, i.currency)}</td></tr>`,
            ),
            'No invoices yet.',
          ),
          viewer,
          '/dashboard/billing',
        ),
      );
    },
  );

  app.get<{ Params: { id: string } }>(
    '/dashboard/billing/invoices/:id',
    { config: { dashboardPage: { operation: 'invoices.view', area: 'billing' } } },
    async (req, reply) => {
      const viewer = viewerOf(req);
      const invoice = await getInvoice(ctx.db, viewer.tenant.id, req.params.id);
      if (!invoice)
        return sendPage(
          reply,
          404,
          dashboardPage(
            'Invoice not found',
            html`<p><a href="/dashboard/billing">All invoices</a></p>`,
            viewer,
          ),
        );
      const items = await listInvoiceLineItems(ctx.db, viewer.tenant.id, invoice.id);
      return sendPage(
        reply,
        200,
        dashboardPage(
          `Invoice ${invoice.id}`,
          html`<p>Period ${day(invoice.periodStart)} – ${day(invoice.periodEnd)}; total ${money(invoice.totalCents, invoice.currency)}.</p>
${table(
  ['Customer', 'Offer', 'Quantity', 'Unit price', 'Amount'],
  items.map(
    (l) =>
      html`<tr><td>${l.customerName}</td><td>${l.offerName}</td><td>${l.quantity}</td><td>${money(l.unitPriceCents, invoice.currency)}</td><td>${money(l.amountCents, invoice.currency)}</td></tr>`,
  ),
  'No line items.',
)}
<p><a href="/dashboard/billing">All invoices</a></p>`,
          viewer,
          '/dashboard/billing',
        ),
      );
    },
  );
}
