import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SECURITY_DEFAULTS_MFA_ROLES as PRIVILEGED_ROLES } from '../src/directory/role-sets.ts';
import {
  decideSignInRequirement,
  mfaMethodMandatory,
  REGISTRATION_GRACE_MS,
  riskFacts,
  type SignInFacts,
  singleFactorProofRefused,
} from '../src/policy/sign-in-requirement.ts';
import { stepUpFrom } from '../src/policy/step-up.ts';

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
const DAY = 24 * 3600 * 1000;

function facts(
  overrides: Partial<SignInFacts> & { roles?: string[]; first?: number | null } = {},
): SignInFacts {
  const { roles, first, ...rest } = overrides;
  return {
    tenant: { securityDefaults: true, requireMfaAllUsers: false },
    user: {
      accountEnabled: true,
      directoryRoles: roles ?? [],
      registrationWindowStartedAt: first === undefined ? NOW : first,
    },
    hasMfaMethod: false,
    clientApp: 'browser',
    stepUp: undefined,
    risky: false,
    now: NOW,
    ...rest,
  };
}

describe('SPEC §5, §8: the sign-in requirement', () => {
  it('SPEC §5: every privileged role must do MFA at every sign-in under security defaults, and cannot skip registration', () => {
    for (const role of PRIVILEGED_ROLES) {
      const withMethod = decideSignInRequirement(facts({ roles: [role], hasMfaMethod: true }));
      assert.deepEqual(
        [withMethod.outcome, withMethod.outcome === 'allow' && withMethod.factors],
        ['allow', 'multi'],
        role,
      );
      const without = decideSignInRequirement(facts({ roles: [role] }));
      assert.equal(without.outcome === 'allow' && without.registration, 'required', role);
      assert.equal(without.policy, 'securityDefaults:privilegedRole');
    }
  });

  it('SPEC §5: other users may skip registration for 14 days from their first interactive sign-in, then must register', () => {
    const first = NOW - 3 * DAY;
    const inside = decideSignInRequirement(facts({ first, now: first + REGISTRATION_GRACE_MS - 1 }));
    assert.equal(inside.outcome === 'allow' && inside.registration, 'offered');
    assert.equal(inside.outcome === 'allow' && inside.factors, 'single');
    assert.equal(inside.outcome === 'allow' && inside.skipUntil, first + REGISTRATION_GRACE_MS);
    const over = decideSignInRequirement(facts({ first, now: first + REGISTRATION_GRACE_MS }));
    assert.equal(over.outcome === 'allow' && over.registration, 'required');
  });

  it('SPEC §5: a registered non-admin is asked for MFA only when the sign-in is risky', () => {
    const calm = decideSignInRequirement(facts({ hasMfaMethod: true }));
    assert.deepEqual(
      [calm.outcome === 'allow' && calm.factors, calm.outcome === 'allow' && calm.registration],
      ['single', 'none'],
    );
    const risky = decideSignInRequirement(facts({ hasMfaMethod: true, risky: true }));
    assert.equal(risky.outcome === 'allow' && risky.factors, 'multi');
    assert.equal(risky.policy, 'securityDefaults:riskySignIn');
  });

  it('SPEC §9: a user at high risk is blocked with 50135 whatever else holds; medium risk asks non-admins for MFA under security defaults, and refuses a first registration with 53004', () => {
    for (const extra of [{}, { roles: [...PRIVILEGED_ROLES].slice(0, 1) }, { serviceProviderAccess: true }]) {
      const high = decideSignInRequirement(facts({ hasMfaMethod: true, ...riskFacts('high'), ...extra }));
      assert.deepEqual(
        [high.outcome, high.outcome === 'block' && high.errorCode, high.policy],
        ['block', 50135, 'identityProtection:userRisk'],
      );
    }
    const disabled = decideSignInRequirement(
      facts({
        ...riskFacts('high'),
        user: { accountEnabled: false, directoryRoles: [], registrationWindowStartedAt: NOW },
      }),
    );
    assert.equal(disabled.outcome === 'block' && disabled.errorCode, 50057);
    const medium = decideSignInRequirement(facts({ hasMfaMethod: true, ...riskFacts('medium') }));
    assert.deepEqual(
      [medium.outcome === 'allow' && medium.factors, medium.policy],
      ['multi', 'securityDefaults:riskySignIn'],
    );
    const noMethod = decideSignInRequirement(facts({ ...riskFacts('medium') }));
    assert.deepEqual(
      [noMethod.outcome, noMethod.outcome === 'block' && noMethod.errorCode],
      ['block', 53004],
    );
    const offDefaults = decideSignInRequirement(
      facts({ tenant: { securityDefaults: false, requireMfaAllUsers: false }, ...riskFacts('medium') }),
    );
    assert.equal(offDefaults.outcome === 'allow' && offDefaults.factors, 'single');
    assert.deepEqual(riskFacts('none'), { risky: false, userRisk: 'none' });
    assert.equal(singleFactorProofRefused(facts({ hasMfaMethod: true, ...riskFacts('high') })), true);
  });

  it('SPEC §5: security defaults block legacy authentication', () => {
    const result = decideSignInRequirement(facts({ clientApp: 'legacy', hasMfaMethod: true }));
    assert.deepEqual([result.outcome, result.outcome === 'block' && result.errorCode], ['block', 53003]);
    const off = decideSignInRequirement(
      facts({ clientApp: 'legacy', tenant: { securityDefaults: false, requireMfaAllUsers: false } }),
    );
    assert.equal(off.outcome, 'allow');
  });

  it('SPEC R1.2: the tenant setting "require MFA for every user" requires MFA and registration for all', () => {
    const result = decideSignInRequirement(
      facts({ tenant: { securityDefaults: false, requireMfaAllUsers: true } }),
    );
    assert.equal(result.outcome === 'allow' && result.factors, 'multi');
    assert.equal(result.outcome === 'allow' && result.registration, 'required');
    assert.equal(result.policy, 'tenantPolicy:requireMfaAllUsers');
  });

  it('SPEC R1: with neither security defaults nor a policy, nothing requires MFA (Fabrikam)', () => {
    const result = decideSignInRequirement(
      facts({
        tenant: { securityDefaults: false, requireMfaAllUsers: false },
        roles: ['Global Administrator'],
      }),
    );
    assert.deepEqual(result, {
      outcome: 'allow',
      factors: 'single',
      policy: null,
      registration: 'none',
      reason: 'No policy requires MFA.',
    });
  });

  it('RFC 9470 §4: a step-up request requires MFA whatever the tenant', () => {
    const result = decideSignInRequirement(
      facts({ tenant: { securityDefaults: false, requireMfaAllUsers: false }, stepUp: 'amr_values' }),
    );
    assert.equal(result.outcome === 'allow' && result.factors, 'multi');
    assert.equal(result.policy, 'stepUp:amr_values');
  });

  it('SPEC §9: a disabled account is blocked with 50057 before anything else', () => {
    const result = decideSignInRequirement(
      facts({ user: { accountEnabled: false, directoryRoles: [], registrationWindowStartedAt: null } }),
    );
    assert.deepEqual([result.outcome, result.outcome === 'block' && result.errorCode], ['block', 50057]);
  });

  it('OIDC Core §3.1.2.1: step-up parameters: amr_values=mfa, an MFA acr_values, max_age', () => {
    assert.equal(stepUpFrom({ amr_values: 'mfa' }), 'amr_values');
    assert.equal(stepUpFrom({ amr_values: 'pwd' }), undefined);
    assert.equal(stepUpFrom({ acr_values: 'urn:warden:acr:mfa' }), 'acr_values');
    assert.equal(
      stepUpFrom({ acr_values: 'http://schemas.openid.net/pape/policies/2007/06/multi-factor' }),
      'acr_values',
    );
    assert.equal(stepUpFrom({ acr_values: 'urn:warden:acr:pwd' }), undefined);
    assert.equal(stepUpFrom({ max_age: 0 }), 'max_age');
    assert.equal(stepUpFrom({ prompt: 'login' }), 'prompt_login');
    assert.equal(stepUpFrom({ prompt: 'consent' }), undefined);
    assert.equal(stepUpFrom({}), undefined);
  });

  it('OIDC Core §5.5.1.1: the claims parameter naming an MFA acr (value or values, ID token or userinfo) is a step-up', () => {
    const ask = (claims: unknown) => stepUpFrom({ claims: JSON.stringify(claims) });
    assert.equal(ask({ id_token: { acr: { essential: true, values: ['urn:warden:acr:mfa'] } } }), 'claims');
    assert.equal(ask({ userinfo: { acr: { essential: true, value: 'urn:warden:acr:mfa' } } }), 'claims');
    assert.equal(ask({ id_token: { acr: { values: ['urn:warden:acr:pwd'] } } }), undefined);
    assert.equal(ask({ id_token: { email: null } }), undefined);
    assert.equal(stepUpFrom({ claims: '{not json' }), undefined);
  });
});

/*
 * The named questions other parts ask of the decision, one row each: the facts, and the answer the
 * spec gives. Each is answered by decideSignInRequirement, so a policy change moves them together.
 */
describe('SPEC §10: consent to a third-party multi-tenant application always requires MFA', () => {
  const noPolicy = { securityDefaults: false, requireMfaAllUsers: false };
  const rows: {
    name: string;
    facts: SignInFacts;
    factors: 'single' | 'multi';
    registration: 'none' | 'offered' | 'required';
    policy: string | null;
  }[] = [
    {
      name: 'no policy, a user with a method, a third-party app',
      facts: facts({ tenant: noPolicy, hasMfaMethod: true, consentToThirdPartyApplication: true }),
      factors: 'multi',
      registration: 'none',
      policy: 'consent:thirdPartyApplication',
    },
    {
      name: 'no policy, a user without a method, a third-party app: must register now',
      facts: facts({ tenant: noPolicy, consentToThirdPartyApplication: true }),
      factors: 'multi',
      registration: 'required',
      policy: 'consent:thirdPartyApplication',
    },
    {
      name: 'security defaults inside the 14 days, a third-party app: no skipping',
      facts: facts({ consentToThirdPartyApplication: true }),
      factors: 'multi',
      registration: 'required',
      policy: 'consent:thirdPartyApplication',
    },
    {
      name: 'require MFA for every user, a third-party app: the consent names the requirement',
      facts: facts({
        tenant: { securityDefaults: false, requireMfaAllUsers: true },
        hasMfaMethod: true,
        consentToThirdPartyApplication: true,
      }),
      factors: 'multi',
      registration: 'none',
      policy: 'consent:thirdPartyApplication',
    },
    {
      name: 'a partner user at a customer authority, a third-party app: Entra names the CSP rule',
      facts: facts({
        tenant: noPolicy,
        hasMfaMethod: true,
        serviceProviderAccess: true,
        consentToThirdPartyApplication: true,
      }),
      factors: 'multi',
      registration: 'none',
      policy: 'enforcedForCspAdmins',
    },
    {
      name: 'no policy, a first-party or same-tenant app',
      facts: facts({ tenant: noPolicy, hasMfaMethod: true, consentToThirdPartyApplication: false }),
      factors: 'single',
      registration: 'none',
      policy: null,
    },
  ];
  for (const row of rows) {
    it(`SPEC §10: ${row.name}`, () => {
      const result = decideSignInRequirement(row.facts);
      assert.equal(result.outcome, 'allow');
      assert.equal(result.outcome === 'allow' && result.factors, row.factors);
      assert.equal(result.outcome === 'allow' && result.registration, row.registration);
      assert.equal(result.policy, row.policy);
    });
  }

  it('SPEC §9: a disabled account is still blocked with 50057 before consent is considered', () => {
    const result = decideSignInRequirement(
      facts({
        tenant: noPolicy,
        user: { accountEnabled: false, directoryRoles: [], registrationWindowStartedAt: NOW },
        consentToThirdPartyApplication: true,
      }),
    );
    assert.deepEqual([result.outcome, result.outcome === 'block' && result.errorCode], ['block', 50057]);
  });
});

describe('SPEC §5, R1: the questions asked of the sign-in requirement', () => {
  const noPolicy = { securityDefaults: false, requireMfaAllUsers: false };
  const rows: { name: string; facts: SignInFacts; refused: boolean; mandatory: boolean }[] = [
    {
      name: 'security defaults, plain user, inside the 14 days',
      facts: facts(),
      refused: false,
      mandatory: true,
    },
    {
      name: 'security defaults, plain user, 14 days over',
      facts: facts({ first: NOW - REGISTRATION_GRACE_MS }),
      refused: true,
      mandatory: true,
    },
    {
      name: 'security defaults, plain user with a method',
      facts: facts({ hasMfaMethod: true }),
      refused: false,
      mandatory: true,
    },
    {
      name: 'security defaults, Global Administrator',
      facts: facts({ roles: ['Global Administrator'], hasMfaMethod: true }),
      refused: true,
      mandatory: true,
    },
    {
      name: 'require MFA for every user',
      facts: facts({ tenant: { securityDefaults: false, requireMfaAllUsers: true }, hasMfaMethod: true }),
      refused: true,
      mandatory: true,
    },
    {
      name: 'no policy at all',
      facts: facts({ tenant: noPolicy, hasMfaMethod: true }),
      refused: false,
      mandatory: false,
    },
    {
      name: 'no policy, disabled account',
      facts: facts({
        tenant: noPolicy,
        user: { accountEnabled: false, directoryRoles: [], registrationWindowStartedAt: NOW },
      }),
      refused: true,
      mandatory: false,
    },
  ];
  for (const row of rows) {
    it(`SPEC §5: ${row.name}: a single-factor proof is ${row.refused ? 'refused' : 'kept'}; a method is ${row.mandatory ? 'mandatory' : 'optional'}`, () => {
      assert.equal(singleFactorProofRefused(row.facts), row.refused);
      assert.equal(mfaMethodMandatory(row.facts), row.mandatory);
    });
  }
});

describe('Issue 15 item 2: a first registration by a privileged user needs a Temporary Access Pass when the tenant says so', () => {
  const on = { tenantRequiresTap: true, partnerAgent: false, temporaryAccessPass: false };
  const rows: { name: string; facts: SignInFacts; registration: string; needsTap: boolean }[] = [
    {
      name: 'setting absent (off): a new Security Administrator registers after the password (seed 003)',
      facts: facts({ roles: ['Security Administrator'] }),
      registration: 'required',
      needsTap: false,
    },
    {
      name: 'setting on: a new Security Administrator after the password alone',
      facts: facts({ roles: ['Security Administrator'], firstRegistration: on }),
      registration: 'required',
      needsTap: true,
    },
    {
      name: 'setting on: the same administrator signed in with a TAP',
      facts: facts({
        roles: ['Security Administrator'],
        firstRegistration: { ...on, temporaryAccessPass: true },
      }),
      registration: 'required',
      needsTap: false,
    },
    {
      name: 'setting on: a partner agent group member without a role, inside the 14 days',
      facts: facts({ firstRegistration: { ...on, partnerAgent: true } }),
      registration: 'offered',
      needsTap: true,
    },
    {
      name: 'setting on (SPEC §13): a user holding GDAP roles in customers, no role at home',
      facts: facts({ firstRegistration: { ...on, delegatedAdmin: true } }),
      registration: 'offered',
      needsTap: true,
    },
    {
      name: 'setting on (SPEC E3): a sign-in for service-provider access at a customer’s authority',
      facts: facts({ serviceProviderAccess: true, firstRegistration: on }),
      registration: 'required',
      needsTap: true,
    },
    {
      name: 'setting on: a plain user',
      facts: facts({ firstRegistration: on }),
      registration: 'offered',
      needsTap: false,
    },
    {
      name: 'setting on: an administrator who already has a method (not a first registration)',
      facts: facts({ roles: ['Global Administrator'], hasMfaMethod: true, firstRegistration: on }),
      registration: 'none',
      needsTap: false,
    },
    {
      name: 'setting off: an account activated by an onboarding link, after the password alone',
      facts: facts({
        roles: ['Global Administrator'],
        firstRegistration: { ...on, tenantRequiresTap: false, activatedByLink: true },
      }),
      registration: 'required',
      needsTap: true,
    },
    {
      name: 'setting off: a user whose only passkeys the tenant now blocks, after the password alone',
      facts: facts({ firstRegistration: { ...on, tenantRequiresTap: false, onlyBlockedMethods: true } }),
      registration: 'offered',
      needsTap: true,
    },
    {
      name: 'setting off: the activated account signed in with its pass',
      facts: facts({
        roles: ['Global Administrator'],
        firstRegistration: {
          ...on,
          tenantRequiresTap: false,
          activatedByLink: true,
          temporaryAccessPass: true,
        },
      }),
      registration: 'required',
      needsTap: false,
    },
  ];
  for (const row of rows) {
    it(`Issue 15 item 2: ${row.name}`, () => {
      const result = decideSignInRequirement(row.facts);
      assert.equal(result.outcome === 'allow' && result.registration, row.registration);
      assert.equal(result.outcome === 'allow' && result.registrationNeedsTap === true, row.needsTap);
      // The guard changes nothing else: a method stays as mandatory as it was.
      assert.equal(
        mfaMethodMandatory(row.facts),
        mfaMethodMandatory({ ...row.facts, firstRegistration: undefined }),
      );
    });
  }
});
