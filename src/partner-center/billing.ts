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
}

/** The partner's invoices, newest first (issue 3 item 1: billing). */
export async function listInvoices(
  db: Db,
  partnerTenantId: string,
  filter: { id?: string } = {},
): Promise<Invoice[]> {
  let query = db.selectFrom('invoices').selectAll().where('tenant_id', '=', partnerTenantId);
  if (filter.id !== undefined) query = query.where('id', '=', filter.id);
  const rows = await query.orderBy('invoice_date', 'desc').execute();
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

export async function listInvoiceLineItems(
  db: Db,
  partnerTenantId: string,
  invoiceId: string,
): Promise<InvoiceLineItem[]> {
  const rows = await db
    .selectFrom('invoice_line_items')
    .selectAll()
    .where('tenant_id', '=', partnerTenantId)
    .where('invoice_id', '=', invoiceId)
    .orderBy('line_number')
    .execute();
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
  lines: Omit<InvoiceLineItem, 'invoiceId' | 'lineNumber' | 'amountCents' | 'chargeStart' | 'chargeEnd'>[],
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
