import { createTenant } from '../../src/directory/tenants.ts';
import { type Customer, linkCustomer } from '../../src/partner-center/customers.ts';
import { recordSignIn } from '../../src/sign-in-logs/sign-in-log.ts';
import type { TestWarden } from './harness.ts';

export const DAY_MS = 24 * 3600 * 1000;

let made = 0;

/**
 * A customer tenant of a demo partner that granted it DAP at `since` — the way customers linked
 * before October 2023 did (reference §1.10); no API grants DAP any more, so it is linked directly.
 */
export async function makeDapCustomer(
  w: TestWarden,
  options: { partner?: string; since?: number; name?: string; delegatedAdmin?: 'dap' | 'none' } = {},
): Promise<Customer> {
  const partnerTenantId = w.demo.tenants[options.partner ?? 'contoso']!.id;
  const n = ++made;
  const domain = `dap-${n}-${process.pid}.example`;
  const since = options.since ?? w.clock.now();
  const companyName = options.name ?? `DAP Customer ${n}`;
  const tenant = await createTenant(
    w.ctx.db,
    { kind: 'customer', displayName: companyName, domain, partnerTenantId, securityDefaults: true },
    since,
  );
  return linkCustomer(
    w.ctx.db,
    partnerTenantId,
    {
      customerTenantId: tenant.id,
      companyName,
      domain,
      country: 'US',
      profile: {
        email: `it@${domain}`,
        phone: '',
        addressLine1: '1 Main St',
        city: 'Seattle',
        postalCode: '',
        culture: 'en-US',
        language: 'en',
      },
      relationship: 'reseller',
      delegatedAdmin: options.delegatedAdmin ?? 'dap',
    },
    since,
  );
}

/**
 * A sign-in row in the customer's tenant by a user whose home tenant is `homeTenantId`: what part 2
 * writes when a partner agent signs in to a customer tenant through delegated admin (§1.11 counts it).
 */
export async function recordCrossTenantSignIn(
  w: TestWarden,
  customerTenantId: string,
  homeTenantId: string,
  at: number,
  errorCode: 0 | 50126 = 0,
): Promise<void> {
  await recordSignIn(w.ctx.db, {
    resourceTenantId: customerTenantId,
    homeTenantId,
    userId: w.demo.users['jane@contoso.example']!.id,
    userPrincipalName: 'jane@contoso.example',
    appId: w.demo.clients['warden-cli']!.clientId,
    ipAddress: '127.0.0.1',
    clientAppUsed: 'Browser',
    isInteractive: true,
    errorCode,
    authenticationRequirement: 'multiFactorAuthentication',
    requirementPolicy: null,
    steps: [],
    createdAt: at,
  });
}
