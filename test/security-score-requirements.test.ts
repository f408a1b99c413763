import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AccountEnforcement } from '../src/compliance/mfa-enforcement.ts';
import { SecurityContactError, validContact } from '../src/security-score/contact.ts';
import type { CustomerMfa } from '../src/security-score/customer-insights.ts';
import { mfaSummary } from '../src/security-score/mfa-summary.ts';
import {
  REQUIREMENT_WEIGHTS,
  type RequirementInputs,
  type SecurityRequirement,
  securityRequirements,
} from '../src/security-score/requirements.ts';

/** The requirements' rules on their own (reference §4.2, docs/security-score.md). */

const NOW = Date.parse('2026-12-02T12:00:00Z');
const POLICY = { security_defaults: 1, require_mfa_all_users: 0 };

let n = 0;
function account(over: Partial<AccountEnforcement>): AccountEnforcement {
  n += 1;
  return {
    userId: `u${n}`,
    userPrincipalName: `u${n}@x.example`,
    accountEnabled: true,
    isAdmin: false,
    mfaRegistered: true,
    enforced: true,
    ...over,
  };
}

function inputs(over: Partial<RequirementInputs> = {}): RequirementInputs {
  return {
    baseUrl: 'https://warden.example',
    now: NOW,
    admins: mfaSummary(POLICY, [account({ isAdmin: true })]),
    customers: [],
    contact: {
      name: 'A',
      email: 'a@x.example',
      phone: '+1 425 555 0100',
      updatedAt: NOW - 1000,
      updatedBy: 'u',
    },
    alerts: { total: 0, resolvedWithin24h: 0, openPastDue: 0, meanResolutionHours: null },
    ...over,
  };
}

const byType = (list: SecurityRequirement[]) => Object.fromEntries(list.map((r) => [r.requirementType, r]));

describe('Reference §4.2: the requirements of the security score', () => {
  it('the weights sum to 100 and every requirement met scores 100, each compliant and active', () => {
    assert.equal(
      Object.values(REQUIREMENT_WEIGHTS).reduce((a, b) => a + b, 0),
      100,
    );
    const all = securityRequirements(inputs());
    assert.equal(
      all.reduce((s, r) => s + r.score, 0),
      100,
    );
    for (const r of all) {
      assert.equal(r.complianceStatus, 'compliant', r.requirementType);
      assert.equal(r.state, 'active');
      assert.ok(r.actionUrl.startsWith('https://warden.example/dashboard/'), r.actionUrl);
    }
    assert.equal(byType(all).securityContactProvided!.updatedDateTime, '2026-12-02T11:59:59Z');
  });

  it('mfaEnforcedForAdmins: disabled accounts left out; an administrator in the registration window or without a method does not count; partial credit rounds down', () => {
    const admins = mfaSummary(POLICY, [
      account({ isAdmin: true }),
      account({ isAdmin: true }),
      account({ isAdmin: true, enforced: false, reason: 'registrationWindow', mfaRegistered: false }),
      account({ isAdmin: true, mfaRegistered: false }),
      account({ isAdmin: true, accountEnabled: false, enforced: false }),
      account({ enforced: false, reason: 'securityDefaultsRiskOnly' }),
    ]);
    assert.equal(admins.totalAdminsCount, 4);
    assert.equal(admins.mfaEnabledAdminsCount, 2);
    assert.equal(admins.totalUsersCount, 5);
    assert.deepEqual(
      admins.adminsWithoutMfa.map((a) => a.reason),
      ['registrationWindow', 'noMethodRegistered'],
    );
    const r = byType(securityRequirements(inputs({ admins }))).mfaEnforcedForAdmins!;
    assert.equal(r.score, 20);
    assert.equal(r.complianceStatus, 'nonCompliant');
    // 2 of 3: 26.67 → 26, never rounded up to full marks.
    const three = mfaSummary(POLICY, [
      account({ isAdmin: true }),
      account({ isAdmin: true }),
      account({ isAdmin: true, mfaRegistered: false }),
    ]);
    assert.equal(byType(securityRequirements(inputs({ admins: three }))).mfaEnforcedForAdmins!.score, 26);
  });

  it('mfaEnforcedForAdminsOfCustomers: a customer is compliant when every enabled administrator uses MFA; no customers is compliant', () => {
    const customer = (id: string, accounts: AccountEnforcement[]): CustomerMfa => ({
      tenantId: id,
      companyName: id,
      mfa: mfaSummary(POLICY, accounts),
    });
    const customers = [
      customer('c1', [account({ isAdmin: true })]),
      customer('c2', [
        account({ isAdmin: true }),
        account({ isAdmin: true, enforced: false, reason: 'noPolicy' }),
      ]),
      customer('c3', [account({ isAdmin: true, accountEnabled: false, enforced: false })]),
    ];
    const r = byType(securityRequirements(inputs({ customers }))).mfaEnforcedForAdminsOfCustomers!;
    assert.ok('totalTenantCount' in r);
    assert.equal(r.totalTenantCount, 3);
    assert.equal(r.compliantTenantCount, 2);
    assert.equal(r.score, 20);
    assert.equal(r.complianceStatus, 'nonCompliant');
    const none = byType(securityRequirements(inputs({ customers: [] }))).mfaEnforcedForAdminsOfCustomers!;
    assert.equal(none.score, 30);
  });

  it('securityAlertsPromptlyResolved: the share of the last 30 days’ alerts resolved within 24 h; an open alert counts against it', () => {
    const judged = (alerts: RequirementInputs['alerts']) =>
      byType(securityRequirements(inputs({ alerts }))).securityAlertsPromptlyResolved!;
    assert.equal(
      judged({ total: 4, resolvedWithin24h: 4, openPastDue: 0, meanResolutionHours: 2 }).score,
      20,
    );
    const late = judged({ total: 4, resolvedWithin24h: 3, openPastDue: 1, meanResolutionHours: 2 });
    assert.equal(late.score, 15);
    assert.equal(late.complianceStatus, 'nonCompliant');
    assert.equal(
      judged({ total: 1, resolvedWithin24h: 0, openPastDue: 0, meanResolutionHours: null }).complianceStatus,
      'nonCompliant',
    );
  });

  it('securityContactProvided: all or nothing', () => {
    const r = byType(securityRequirements(inputs({ contact: undefined }))).securityContactProvided!;
    assert.equal(r.score, 0);
    assert.equal(r.complianceStatus, 'nonCompliant');
  });
});

describe('Reference §4.2: the security contact is validated', () => {
  it('accepts a name, an email address (lower-cased) and an international phone number', () => {
    assert.deepEqual(
      validContact({ name: '  Sec Ops ', email: 'Sec@Example.COM', phone: '+1 (425) 555-0100' }),
      {
        name: 'Sec Ops',
        email: 'sec@example.com',
        phone: '+1 (425) 555-0100',
      },
    );
  });
  it('refuses each bad field with its name', () => {
    const field = (input: Record<string, unknown>) => {
      try {
        validContact(input);
        return 'accepted';
      } catch (error) {
        assert.ok(error instanceof SecurityContactError);
        return error.field;
      }
    };
    const ok = { name: 'A', email: 'a@b.example', phone: '+14255550100' };
    assert.equal(field({ ...ok, name: '' }), 'name');
    assert.equal(field({ ...ok, name: 'x'.repeat(121) }), 'name');
    assert.equal(field({ ...ok, name: 'a\u0000b' }), 'name');
    assert.equal(field({ ...ok, email: 'a@b' }), 'email');
    assert.equal(field({ ...ok, email: 'a b@c.example' }), 'email');
    assert.equal(field({ ...ok, email: ['a@b.example'] }), 'email');
    assert.equal(field({ ...ok, phone: '12345' }), 'phone');
    assert.equal(field({ ...ok, phone: '+1 425 555 0100 ext 5' }), 'phone');
    assert.equal(field(ok), 'accepted');
  });
});
