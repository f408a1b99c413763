import type { Db } from '../storage/database.ts';

export interface Invoice {
  id: string;
  invoiceDate: number;
  periodStart: number;
  periodEnd: number;
  currency: string;
  totalCents: number;
  paidCents: number;
}

export interface InvoiceLineItem {
  invoiceId: string;
  lineNumber: number;
  customerId: string;
  customerName: string;
  subscriptionId: string;
  offerId: string;
  offerName: string;
  quantity: number;
  unitPriceCents: number;
  amountCents: number;
  chargeStart: number;
  chargeEnd: number;
  /** From the customer and the subscription billed, where they still exist. */
  customerDomain: string | null;
  orderId: string | null;
  billingCycle: string | null;
  subscriptionStart: number | null;
  subscriptionEnd: number | null;
}

/**
 * The partner's invoices, newest first (issue 3 item 1: billing); `size` and `offset` page them
 * (Partner Center's `GET /invoices?size&offset`), in one order (date, then id) so pages do not overlap.
 */
export async function listInvoices(
  db: Db,
  partnerTenantId: string,
  filter: { id?: string; size?: number; offset?: number } = {},
): Promise<Invoice[]> {
  let query = db.selectFrom('invoices').selectAll().where('tenant_id', '=', partnerTenantId);
  if (filter.id !== undefined) query = query.where('id', '=', filter.id);
  query = query.orderBy('invoice_date', 'desc').orderBy('id', 'desc');
  if (filter.size !== undefined) query = query.limit(filter.size).offset(filter.offset ?? 0);
  const rows = await query.execute();
  return rows.map((r) => ({
    id: r.id,
    invoiceDate: Number(r.invoice_date),
    periodStart: Number(r.period_start),
    periodEnd: Number(r.period_end),
    currency: r.currency,
    totalCents: r.total_cents,
    paidCents: r.paid_cents,
  }));
}

export async function getInvoice(
  db: Db,
  partnerTenantId: string,
  invoiceId: string,
): Promise<Invoice | undefined> {
  return (await listInvoices(db, partnerTenantId, { id: invoiceId }))[0];
}

/** An invoice's lines in order; `size` and `offset` page them (Partner Center's `lineitems?size&offset`). */
export async function listInvoiceLineItems(
  db: Db,
  partnerTenantId: string,
  invoiceId: string,
  page: { size?: number; offset?: number } = {},
): Promise<InvoiceLineItem[]> {
  let query = db
    .selectFrom('invoice_line_items as l')
    .leftJoin('customers as c', (join) =>
      join.onRef('c.tenant_id', '=', 'l.tenant_id').onRef('c.id', '=', 'l.customer_id'),
    )
    .leftJoin('subscriptions as s', (join) =>
      join.onRef('s.tenant_id', '=', 'l.tenant_id').onRef('s.id', '=', 'l.subscription_id'),
    )
    .selectAll('l')
    .select([
      'c.domain',
      's.order_id',
      's.billing_cycle',
      's.created_at as subscription_start',
      's.commitment_end_at as subscription_end',
    ])
    .where('l.tenant_id', '=', partnerTenantId)
    .where('l.invoice_id', '=', invoiceId)
    .orderBy('l.line_number');
  if (page.size !== undefined) query = query.limit(page.size).offset(page.offset ?? 0);
  const rows = await query.execute();
  return rows.map((r) => ({
    invoiceId: r.invoice_id,
    lineNumber: r.line_number,
    customerId: r.customer_id,
    customerName: r.customer_name,
    subscriptionId: r.subscription_id,
    offerId: r.offer_id,
    offerName: r.offer_name,
    quantity: r.quantity,
    unitPriceCents: r.unit_price_cents,
    amountCents: r.amount_cents,
    chargeStart: Number(r.charge_start),
    chargeEnd: Number(r.charge_end),
    customerDomain: r.domain ?? null,
    orderId: r.order_id ?? null,
    billingCycle: r.billing_cycle ?? null,
    subscriptionStart: r.subscription_start === null ? null : Number(r.subscription_start),
    subscriptionEnd: r.subscription_end === null ? null : Number(r.subscription_end),
  }));
}

/**
 * Bills one period: one line per active subscription, written with its invoice in the caller's
 * transaction (the demo uses it; a billing run would too).
 */
export async function issueInvoice(
  db: Db,
  partnerTenantId: string,
  invoice: {
    id: string;
    invoiceDate: number;
    periodStart: number;
    periodEnd: number;
    currency: string;
    paidCents: number;
  },
  lines: Pick<
    InvoiceLineItem,
    'customerId' | 'customerName' | 'subscriptionId' | 'offerId' | 'offerName' | 'quantity' | 'unitPriceCents'
  >[],
): Promise<void> {
  const items = lines.map((l, i) => ({
    ...l,
    lineNumber: i + 1,
    amountCents: l.quantity * l.unitPriceCents,
  }));
  const total = items.reduce((sum, l) => sum + l.amountCents, 0);
  await db
    .insertInto('invoices')
    .values({
      tenant_id: partnerTenantId,
      id: invoice.id,
      invoice_date: invoice.invoiceDate,
      period_start: invoice.periodStart,
      period_end: invoice.periodEnd,
      currency: invoice.currency,
      total_cents: total,
      paid_cents: Math.min(invoice.paidCents, total),
    })
    .execute();
  for (const l of items) {
    await db
      .insertInto('invoice_line_items')
      .values({
        tenant_id: partnerTenantId,
        invoice_id: invoice.id,
        line_number: l.lineNumber,
        customer_id: l.customerId,
        customer_name: l.customerName,
        subscription_id: l.subscriptionId,
        offer_id: l.offerId,
        offer_name: l.offerName,
        quantity: l.quantity,
        unit_price_cents: l.unitPriceCents,
        amount_cents: l.amountCents,
        charge_start: invoice.periodStart,
        charge_end: invoice.periodEnd,
      })
      .execute();
  }
}
