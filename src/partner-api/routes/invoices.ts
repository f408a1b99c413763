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

/** Partner Center's `size` (at most 500 here; absent, the whole list) and zero-based `offset`. */
const PAGE_QUERY = {
  type: 'object',
  properties: {
    size: { type: 'integer', minimum: 1, maximum: MAX_SIZE },
    offset: { type: 'integer', minimum: 0 },
  },
} as const;
type PageQuery = { size?: number; offset?: number };

/**
 * One page of `rows` fetched with one row more than asked (so a next page is known to exist),
 * and the `links.next` of Partner Center's offset paging: the same path with the next offset.
 */
function offsetPage<T>(rows: T[], query: PageQuery, path: string) {
  const { size, offset = 0 } = query;
  if (size === undefined) return { items: rows, next: undefined };
  const next = rows.length > size ? selfLink(`${path}?size=${size}&offset=${offset + size}`) : undefined;
  return { items: rows.slice(0, size), next };
}

/** What to ask the database for: one more than the page, when paged. */
function oneMore(query: PageQuery) {
  return query.size !== undefined ? { size: query.size + 1, offset: query.offset ?? 0 } : {};
}

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
  api.get<{ Querystring: PageQuery }>(
    '/invoices',
    {
      config: {
        partnerApi: { operation: 'invoices.list', category: 'billing', modes: BOTH, access: 'read' },
      },
      schema: { querystring: PAGE_QUERY },
    },
    async (req) => {
      const rows = await listInvoices(ctx.db, partnerOf(req).id, oneMore(req.query));
      const page = offsetPage(rows, req.query, '/v1/invoices');
      return collection(page.items.map(invoiceShape), req.url, page.next);
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

  api.get<{ Params: { id: string }; Querystring: PageQuery }>(
    '/invoices/:id/lineitems',
    {
      config: {
        partnerApi: { operation: 'invoices.lineitems', category: 'billing', modes: BOTH, access: 'read' },
      },
      schema: { params: invoiceId, querystring: PAGE_QUERY },
    },
    async (req) => {
      const invoice = await invoiceOf(ctx, req);
      const partner = partnerOf(req);
      const rows = await listInvoiceLineItems(ctx.db, partner.id, invoice.id, oneMore(req.query));
      const page = offsetPage(rows, req.query, `/v1/invoices/${invoice.id}/lineitems`);
      return collection(
        page.items.map((l) => lineItemShape(l, invoice.currency, partner.id)),
        req.url,
        page.next,
      );
    },
  );

  // The path form of the same (pc:developer/get-invoiceline-items.md, "Previous syntaxes"), which
  // an invoice's invoiceDetails[].links.self names. Warden's lines are all license-based billing
  // lines (provider Office): another provider or type has none.
  api.get<{ Params: { id: string; provider: string; type: string }; Querystring: PageQuery }>(
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
        querystring: PAGE_QUERY,
      },
    },
    async (req) => {
      const invoice = await invoiceOf(ctx, req);
      const partner = partnerOf(req);
      const { provider, type } = req.params;
      const office =
        provider.toLowerCase() === 'office' && type.toLowerCase().replaceAll('_', '') === 'billinglineitems';
      const rows = office
        ? await listInvoiceLineItems(ctx.db, partner.id, invoice.id, oneMore(req.query))
        : [];
      const page = offsetPage(rows, req.query, `/v1/invoices/${invoice.id}/lineitems/${provider}/${type}`);
      return collection(
        page.items.map((l) => lineItemShape(l, invoice.currency, partner.id)),
        req.url,
        page.next,
      );
    },
  );
}
