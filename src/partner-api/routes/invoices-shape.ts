import type { Invoice, InvoiceLineItem } from '../../partner-center/billing.ts';
import { iso, money, selfLink } from '../responses.ts';

const SYMBOLS: Record<string, string> = { USD: '$', GBP: '£', EUR: '€' };

/** Where an invoice's license-based line items are (pc:developer/get-invoiceline-items.md, the path form). */
export function lineItemsPath(invoiceId: string): string {
  return `/v1/invoices/${invoiceId}/lineitems/Office/BillingLineItems`;
}

/**
 * Partner Center's `Invoice` (pc:developer/invoice-resources.md). Warden bills license-based
 * subscriptions only, so each invoice has one `InvoiceDetail`: its billing line items, of the
 * provider Partner Center names `office` for license-based lines.
 */
export function invoiceShape(i: Invoice) {
  return {
    id: i.id,
    invoiceDate: iso(i.invoiceDate),
    billingPeriodStartDate: iso(i.periodStart),
    billingPeriodEndDate: iso(i.periodEnd),
    totalCharges: money(i.totalCents),
    paidAmount: money(i.paidCents),
    currencyCode: i.currency,
    currencySymbol: SYMBOLS[i.currency] ?? i.currency,
    invoiceDetails: [
      {
        invoiceLineItemType: 'billing_line_items',
        billingProvider: 'office',
        links: { self: selfLink(lineItemsPath(i.id)) },
        attributes: { objectType: 'InvoiceDetail' },
      },
    ],
    documentType: 'invoice',
    invoiceType: 'Recurring',
    links: { self: selfLink(`/v1/invoices/${i.id}`) },
    attributes: { objectType: 'Invoice' },
  };
}

/** Partner Center's `LicenseBasedLineItem` (pc:developer/invoice-resources.md). Warden charges no tax and gives no discount. */
export function lineItemShape(l: InvoiceLineItem, currency: string, partnerTenantId: string) {
  return {
    invoiceNumber: l.invoiceId,
    lineItemNumber: l.lineNumber,
    partnerId: partnerTenantId,
    customerId: l.customerId,
    customerName: l.customerName,
    ...(l.customerDomain ? { domainName: l.customerDomain } : {}),
    ...(l.orderId ? { orderId: l.orderId } : {}),
    subscriptionId: l.subscriptionId,
    subscriptionName: l.offerName,
    subscriptionDescription: l.offerName,
    ...(l.subscriptionStart !== null ? { subscriptionStartDate: iso(l.subscriptionStart) } : {}),
    ...(l.subscriptionEnd !== null ? { subscriptionEndDate: iso(l.subscriptionEnd) } : {}),
    offerId: l.offerId,
    durableOfferId: l.offerId,
    offerName: l.offerName,
    ...(l.billingCycle ? { billingCycleType: l.billingCycle } : {}),
    quantity: l.quantity,
    unitPrice: money(l.unitPriceCents),
    amount: money(l.amountCents),
    totalOtherDiscount: 0,
    subtotal: money(l.amountCents),
    tax: 0,
    totalForCustomer: money(l.amountCents),
    currency,
    chargeStartDate: iso(l.chargeStart),
    chargeEndDate: iso(l.chargeEnd),
    invoiceLineItemType: 'billing_line_items',
    billingProvider: 'office',
    attributes: { objectType: 'LicenseBasedLineItem' },
  };
}
