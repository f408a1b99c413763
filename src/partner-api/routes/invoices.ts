import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { PartnerApiError } from '../../errors/partner-api-errors.ts';
import { getInvoice, listInvoiceLineItems, listInvoices } from '../../partner-center/billing.ts';
import { BOTH } from '../declarations.ts';
import { collection, selfLink } from '../responses.ts';
import { partnerOf } from './caller.ts';
import { invoiceShape, lineItemShape } from './invoices-shape.ts';

const INVOICE_ID = { type: 'string', pattern: '^[A-Za-z0-9-]{1,32}$' } as const;
const invoiceId = { type: 'object', properties: { id: INVOICE_ID }, required: ['id'] } as const;
const MAX_SIZE = 500;

async function invoiceOf(ctx: WardenContext, req: FastifyRequest<{ Params: { id: string } }>) {
  const invoice = await getInvoice(ctx.db, partnerOf(req).id, req.params.id);
  if (!invoice) throw new PartnerApiError('not_found', `No invoice ${req.params.id}.`);
  return invoice;
}

/**
 * Invoices and their line items (SPEC E2: billing and reconciliation; pc:developer/
 * get-a-collection-of-invoices.md, get-invoice-by-id.md, get-invoiceline-items.md). Another
 * partner's invoice id is 404 like one that does not exist.
 */
export function invoiceRoutes(api: FastifyInstance, ctx: WardenContext): void {
  api.get<{ Querystring: { size?: number; offset?: number } }>(
    '/invoices',
    {
      config: {
        partnerApi: { operation: 'invoices.list', category: 'billing', modes: BOTH, access: 'read' },
      },
      schema: {
        querystring: {
          type: 'object',
          properties: {
            size: { type: 'integer', minimum: 1, maximum: MAX_SIZE },
            offset: { type: 'integer', minimum: 0 },
          },
        },
      },
    },
    async (req) => {
      const { size, offset = 0 } = req.query;
      // One more than asked: whether a next page exists (Partner Center's links.next).
      const rows = await listInvoices(ctx.db, partnerOf(req).id, {
        ...(size !== undefined ? { size: size + 1, offset } : {}),
      });
      const page = size !== undefined ? rows.slice(0, size) : rows;
      const next =
        size !== undefined && rows.length > size
          ? selfLink(`/v1/invoices?size=${size}&offset=${offset + size}`)
          : undefined;
      return collection(page.map(invoiceShape), req.url, next);
    },
  );

  api.get<{ Params: { id: string } }>(
    '/invoices/:id',
    {
      config: {
        partnerApi: { operation: 'invoices.get', category: 'billing', modes: BOTH, access: 'read' },
      },
      schema: { params: invoiceId },
    },
    async (req) => invoiceShape(await invoiceOf(ctx, req)),
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
      const invoice = await invoiceOf(ctx, req);
      const partner = partnerOf(req);
      const items = await listInvoiceLineItems(ctx.db, partner.id, invoice.id);
      return collection(
        items.map((l) => lineItemShape(l, invoice.currency, partner.id)),
        req.url,
      );
    },
  );

  // The path form of the same (pc:developer/get-invoiceline-items.md, "Previous syntaxes"), which
  // an invoice's invoiceDetails[].links.self names. Warden's lines are all license-based billing
  // lines (provider Office): another provider or type has none.
  api.get<{ Params: { id: string; provider: string; type: string } }>(
    '/invoices/:id/lineitems/:provider/:type',
    {
      config: {
        partnerApi: {
          operation: 'invoices.lineitems.byprovider',
          category: 'billing',
          modes: BOTH,
          access: 'read',
        },
      },
      schema: {
        params: {
          type: 'object',
          properties: {
            id: INVOICE_ID,
            provider: { type: 'string', maxLength: 32 },
            type: { type: 'string', maxLength: 32 },
          },
          required: ['id', 'provider', 'type'],
        },
      },
    },
    async (req) => {
      const invoice = await invoiceOf(ctx, req);
      const partner = partnerOf(req);
      const office =
        req.params.provider.toLowerCase() === 'office' &&
        req.params.type.toLowerCase().replaceAll('_', '') === 'billinglineitems';
      const items = office ? await listInvoiceLineItems(ctx.db, partner.id, invoice.id) : [];
      return collection(
        items.map((l) => lineItemShape(l, invoice.currency, partner.id)),
        req.url,
      );
    },
  );
}
