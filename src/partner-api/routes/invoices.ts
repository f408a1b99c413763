import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { PartnerApiError } from '../../errors/partner-api-errors.ts';
import {
  getInvoice,
  type Invoice,
  type InvoiceLineItem,
  listInvoiceLineItems,
  listInvoices,
} from '../../partner-center/billing.ts';
import { BOTH } from '../declarations.ts';
import { collection, iso, money } from '../responses.ts';
import { partnerOf } from './caller.ts';

function invoiceShape(i: Invoice) {
  return {
    id: i.id,
    invoiceDate: iso(i.invoiceDate),
    billingPeriodStartDate: iso(i.periodStart),
    billingPeriodEndDate: iso(i.periodEnd),
    totalCharges: money(i.totalCents),
    paidAmount: money(i.paidCents),
    currencyCode: i.currency,
    invoiceType: 'Recurring',
    attributes: { objectType: 'Invoice' },
  };
}

function lineItemShape(l: InvoiceLineItem, currency: string) {
  return {
    invoiceNumber: l.invoiceId,
    lineItemNumber: l.lineNumber,
    customerId: l.customerId,
    customerName: l.customerName,
    subscriptionId: l.subscriptionId,
    offerId: l.offerId,
    offerName: l.offerName,
    quantity: l.quantity,
    unitPrice: money(l.unitPriceCents),
    amount: money(l.amountCents),
    currency,
    chargeStartDate: iso(l.chargeStart),
    chargeEndDate: iso(l.chargeEnd),
    invoiceLineItemType: 'BillingLineItems',
    attributes: { objectType: 'LicenseBasedLineItem' },
  };
}

const invoiceId = {
  type: 'object',
  properties: { id: { type: 'string', pattern: '^[A-Za-z0-9-]{1,32}$' } },
  required: ['id'],
} as const;

/** Invoices and their line items (SPEC E2: billing and reconciliation). */
export function invoiceRoutes(api: FastifyInstance, ctx: WardenContext): void {
  api.get(
    '/invoices',
    {
      config: {
        partnerApi: { operation: 'invoices.list', category: 'billing', modes: BOTH, access: 'read' },
      },
    },
    async (req) => collection((await listInvoices(ctx.db, partnerOf(req).id)).map(invoiceShape), req.url),
  );

  api.get<{ Params: { id: string } }>(
    '/invoices/:id/lineitems',
    {
      config: {
        partnerApi: { operation: 'invoices.lineitems', category: 'billing', modes: BOTH, access: 'read' },
      },
      schema: { params: invoiceId },
    },
    async (req) => {
      const partner = partnerOf(req);
      const invoice = await getInvoice(ctx.db, partner.id, req.params.id);
      if (!invoice) throw new PartnerApiError('not_found', `No invoice ${req.params.id}.`);
      const items = await listInvoiceLineItems(ctx.db, partner.id, invoice.id);
      return collection(
        items.map((l) => lineItemShape(l, invoice.currency)),
        req.url,
      );
    },
  );
}
