import { createUser } from '../directory/users.ts';
import { issueInvoice } from '../partner-center/billing.ts';
import { addOffer } from '../partner-center/catalog.ts';
import { type Customer, linkCustomer } from '../partner-center/customers.ts';
import { listSubscriptions, placeOrder } from '../partner-center/orders.ts';
import { createServiceRequest } from '../partner-center/service-requests.ts';
import { updateSubscription } from '../partner-center/subscriptions.ts';
import type { Db } from '../storage/database.ts';

const DAY = 24 * 3600 * 1000;

/** The operator's catalog: a few offers, priced in the US, UK and Germany. */
async function seedCatalog(db: Db): Promise<void> {
  const offers: [string, string, string, string, 'monthly' | 'annual', number, number, number][] = [
    [
      'WRD-BUS-BASIC',
      'Warden Business Basic',
      'Identity and MFA for small teams.',
      'Identity',
      'monthly',
      600,
      500,
      560,
    ],
    [
      'WRD-BUS-PREM',
      'Warden Business Premium',
      'Identity, MFA, conditional access and risk.',
      'Identity',
      'monthly',
      2200,
      1800,
      2060,
    ],
    [
      'WRD-SEC-E5',
      'Warden Security E5',
      'Premium protection for administrators (PIM, risk policies).',
      'Security',
      'annual',
      5700,
      4700,
      5400,
    ],
    [
      'WRD-MAIL-1',
      'Warden Mail Plan 1',
      'Mailboxes with modern authentication only.',
      'Messaging',
      'monthly',
      400,
      330,
      380,
    ],
  ];
  for (const [id, name, description, category, cycle, usd, gbp, eur] of offers) {
    await addOffer(
      db,
      { id, name, description, category, billing_cycle: cycle, min_quantity: 1, max_quantity: 300 },
      [
        { country: 'US', currency: 'USD', unitPriceCents: usd },
        { country: 'GB', currency: 'GBP', unitPriceCents: gbp },
        { country: 'DE', currency: 'EUR', unitPriceCents: eur },
      ],
    );
  }
}

interface DemoCustomer {
  tenantId: string;
  companyName: string;
  domain: string;
  country: string;
  city: string;
  delegatedAdmin: 'none' | 'dap';
  orders: [offerId: string, quantity: number][];
  /** The customer's own people; the first is its Global Administrator (SPEC §13: the one who approves GDAP). */
  users: [upn: string, given: string, family: string][];
}

export interface SeededPartnerData {
  /** Partner Center customer ids by customer domain. */
  customers: Record<string, string>;
  /** The customer tenants' users by UPN (the first of each customer is its Global Administrator). */
  users: Record<string, { id: string; tenant: string; roles: string[] }>;
}

/**
 * Partner data of issue 3 item 1: each partner's customers (linked to their tenants, some with
 * delegated admin), subscriptions placed through orders, last month's invoice and open requests.
 */
export async function seedPartnerData(
  db: Db,
  partners: {
    id: string;
    customers: DemoCustomer[];
    requests: [title: string, severity: 'minimal' | 'moderate' | 'critical', customerIndex: number][];
  }[],
  now: number,
  passwordHash: string,
): Promise<SeededPartnerData> {
  await seedCatalog(db);
  const ids: Record<string, string> = {};
  const people: SeededPartnerData['users'] = {};
  for (const partner of partners) {
    const customers: Customer[] = [];
    for (const c of partner.customers) {
      const customer = await linkCustomer(
        db,
        partner.id,
        {
          customerTenantId: c.tenantId,
          companyName: c.companyName,
          domain: c.domain,
          country: c.country,
          profile: {
            email: `billing@${c.domain}`,
            phone: '+1 425 555 0100',
            addressLine1: '1 Main Street',
            city: c.city,
            postalCode: '98052',
            culture: 'en-US',
            language: 'en',
          },
          relationship: 'reseller',
          delegatedAdmin: c.delegatedAdmin,
        },
        now - 120 * DAY,
      );
      customers.push(customer);
      ids[c.domain] = customer.id;
      for (const [i, [upn, given, family]] of c.users.entries()) {
        const roles = i === 0 ? (['Global Administrator'] as const) : [];
        const user = await createUser(
          db,
          c.tenantId,
          {
            userPrincipalName: upn,
            displayName: `${given} ${family}`,
            givenName: given,
            surname: family,
            passwordHash,
            directoryRoles: [...roles],
          },
          now,
        );
        people[upn] = { id: user.id, tenant: c.tenantId, roles: [...roles] };
      }
      await placeOrder(
        db,
        customer,
        c.orders.map(([offerId, quantity], i) => ({ lineItemNumber: i, offerId, quantity })),
        'demo',
        now - 90 * DAY,
      );
    }
    // Partner Center's autoRenewEnabled (issue 13 item 3): the first customer's last subscription
    // is set not to renew, through the same conditional update as the Partner API's PATCH (no
    // seats change, so no lock is taken and the database kind does not matter).
    const first = customers[0];
    const last = first ? (await listSubscriptions(db, partner.id, first.id)).at(-1) : undefined;
    if (first && last)
      await updateSubscription(db, 'sqlite', first, last.id, last.version, { autoRenewEnabled: false });
    // The last three months' invoices, one line per subscription; all but the latest are paid
    // (several invoices: Partner Center's size/offset paging has something to page).
    const lines = [];
    for (const customer of customers) {
      for (const s of await listSubscriptions(db, partner.id, customer.id)) {
        lines.push({
          customerId: customer.id,
          customerName: customer.companyName,
          subscriptionId: s.id,
          offerId: s.offerId,
          offerName: s.friendlyName,
          quantity: s.quantity,
          unitPriceCents: s.unitPriceCents,
        });
      }
    }
    for (const monthsAgo of [3, 2, 1]) {
      const start = new Date(now - 30 * DAY);
      const periodStart = Date.UTC(start.getUTCFullYear(), start.getUTCMonth() - monthsAgo + 1, 1);
      const periodEnd = Date.UTC(start.getUTCFullYear(), start.getUTCMonth() - monthsAgo + 2, 1) - 1;
      const month = new Date(periodStart);
      await issueInvoice(
        db,
        partner.id,
        {
          id: `D${String(month.getUTCFullYear()).slice(2)}${String(month.getUTCMonth() + 1).padStart(2, '0')}${partner.id.slice(0, 4).toUpperCase()}`,
          invoiceDate: periodEnd + 1,
          periodStart,
          periodEnd,
          currency: 'USD', // the demo customers are all in the US
          paidCents: monthsAgo === 1 ? 0 : Number.MAX_SAFE_INTEGER, // issueInvoice caps it at the total
        },
        lines,
      );
    }
    for (const [i, [title, severity, customerIndex]] of partner.requests.entries()) {
      const customer = customers[customerIndex]!;
      await createServiceRequest(
        db,
        partner.id,
        {
          customerId: customer.id,
          title,
          description: `${customer.companyName}: ${title}.`,
          severity,
          supportTopic: 'Accounts, Onboarding, Access',
        },
        `billing@${customer.domain}`,
        now - (i + 1) * DAY,
      );
    }
  }
  return { customers: ids, users: people };
}
