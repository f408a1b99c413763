import { createTenant } from '../../src/directory/tenants.ts';
import { createCustomer } from '../../src/partner-center/customers.ts';
import type { TestWarden } from './harness.ts';

let n = 0;

/**
 * A fresh partner tenant of the test's own, registered in `w.demo.tenants` under its key (the first
 * label of its domain, as the token helpers expect), so `makeUser(w, { tenant: key })` works.
 */
export async function makePartner(w: TestWarden, name = 'partner'): Promise<{ key: string; id: string }> {
  const key = `${name}${++n}${process.pid}`;
  const tenant = await createTenant(
    w.ctx.db,
    { kind: 'partner', programType: 'csp-direct', displayName: `${name} ${n}`, domain: `${key}.example` },
    w.clock.now(),
  );
  w.demo.tenants[key] = { id: tenant.id, domain: tenant.domain, kind: 'partner', securityDefaults: true };
  return { key, id: tenant.id };
}

/** A customer of `partnerKey` (its own tenant, security defaults on), registered like makePartner's. */
export async function makeCustomer(
  w: TestWarden,
  partnerKey: string,
  companyName: string,
): Promise<{ key: string; id: string }> {
  const key = `cust${++n}${process.pid}`;
  const customer = await createCustomer(
    w.ctx.db,
    w.demo.tenants[partnerKey]!.id,
    {
      companyName,
      domain: `${key}.example`,
      country: 'US',
      profile: {
        email: `admin@${key}.example`,
        phone: '+1 425 555 0100',
        addressLine1: '1 Main St',
        city: 'Redmond',
        postalCode: '98052',
        culture: 'en-US',
        language: 'en',
      },
    },
    w.clock.now(),
  );
  w.demo.tenants[key] = {
    id: customer.customerTenantId,
    domain: `${key}.example`,
    kind: 'customer',
    securityDefaults: true,
  };
  return { key, id: customer.customerTenantId };
}
