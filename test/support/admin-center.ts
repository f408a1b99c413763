import assert from 'node:assert/strict';
import {
  applyEvent,
  createRelationship,
  type Relationship,
} from '../../src/delegated-admin/relationships.ts';
import { ROLE_DEFINITIONS } from '../../src/directory/roles.ts';
import { createTenant } from '../../src/directory/tenants.ts';
import { createCustomer } from '../../src/partner-center/customers.ts';
import type { TestWarden } from './harness.ts';
import { completeSecondStep } from './oidc.ts';
import { UserAgent } from './user-agent.ts';

export const APPROVAL_PATH = '/admin/partners/invitation/granularAdminRelationships/';
export const USER_ADMINISTRATOR = ROLE_DEFINITIONS['User Administrator'].templateId;
export const HELPDESK_ADMINISTRATOR = ROLE_DEFINITIONS['Helpdesk Administrator'].templateId;

let made = 0;

/** Records a tenant under `key` in the demo data, so `makeUser(w, { tenant: key })` makes users there. */
function remember(w: TestWarden, key: string, t: { id: string; domain: string; kind: string }): void {
  w.demo.tenants[key] = { id: t.id, domain: t.domain, kind: t.kind, securityDefaults: true };
}

/**
 * A partner of its own with two customers (`customer`, `other`), each a tenant of kind customer,
 * made through the directory's and Partner Center's own functions; the keys name them for makeUser.
 */
export async function gdapParties(w: TestWarden): Promise<{
  partner: { key: string; id: string; name: string; domain: string };
  customer: { key: string; id: string };
  other: { key: string; id: string };
}> {
  const n = ++made;
  const now = w.clock.now();
  const partnerName = `Relecloud Partners ${n}`;
  const partner = await createTenant(
    w.ctx.db,
    { kind: 'partner', programType: 'csp-direct', displayName: partnerName, domain: `relecloud${n}.example` },
    now,
  );
  remember(w, `gdap-partner-${n}`, partner);
  const customerOf = async (label: string) => {
    const domain = `${label}${n}.example`;
    const customer = await createCustomer(
      w.ctx.db,
      partner.id,
      {
        companyName: `${label} ${n}`,
        domain,
        country: 'US',
        profile: {
          email: `admin@${domain}`,
          phone: '+1 555 0100',
          addressLine1: '1 Main St',
          city: 'Redmond',
          postalCode: '98052',
          culture: 'en-US',
          language: 'en',
        },
      },
      now,
    );
    remember(w, `gdap-${label}-${n}`, { id: customer.customerTenantId, domain, kind: 'customer' });
    return { key: `gdap-${label}-${n}`, id: customer.customerTenantId };
  };
  return {
    partner: { key: `gdap-partner-${n}`, id: partner.id, name: partnerName, domain: partner.domain },
    customer: await customerOf('woodgrove'),
    other: await customerOf('litware'),
  };
}

/** A relationship the partner created and locked for approval (`approvalPending`). */
export async function pendingRelationship(
  w: TestWarden,
  partnerTenantId: string,
  customerTenantId: string | undefined,
  terms: { roleTemplateIds?: string[]; duration?: string; autoExtendDuration?: string } = {},
): Promise<Relationship> {
  const created = await createRelationship(
    w.ctx.db,
    partnerTenantId,
    {
      displayName: `Managed services ${++made}`,
      duration: terms.duration ?? 'P730D',
      autoExtendDuration: terms.autoExtendDuration ?? 'PT0S',
      roleTemplateIds: terms.roleTemplateIds ?? [USER_ADMINISTRATOR, HELPDESK_ADMINISTRATOR],
      ...(customerTenantId ? { customerTenantId } : {}),
    },
    w.clock.now(),
  );
  const locked = await applyEvent(
    w.ctx.db,
    { partnerTenantId },
    created.id,
    { event: 'lockForApproval', actor: 'partner' },
    w.clock.now(),
  );
  assert.equal(locked?.status, 'approvalPending');
  return locked;
}

/**
 * Signs in to the admin center over HTTP as a browser would: the work account, the customer
 * authority's password page, then the second factor (the admin center always asks for MFA).
 */
export async function adminSignIn(w: TestWarden, upn: string, returnTo = '/admin'): Promise<UserAgent> {
  const ua = new UserAgent();
  await ua.navigate(`${w.baseUrl}/admin/sign-in?${new URLSearchParams({ email: upn, return: returnTo })}`);
  const at = await ua.submit('password', { username: upn, password: w.demo.password });
  await completeSecondStep(w, ua, { at, upn, mfa: true });
  assert.equal(new URL(ua.lastUrl).origin, w.baseUrl);
  return ua;
}

/** The CSRF token of the admin-center page last shown. */
export function csrfOf(ua: UserAgent): string {
  const token = /name="csrf" value="([^"]+)"/.exec(ua.lastPage)?.[1];
  assert.ok(token, `no CSRF token on ${ua.lastUrl}`);
  return token;
}
