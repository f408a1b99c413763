import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DirectoryError } from '../src/directory/directory-error.ts';
import {
  applicationChangeRefusal,
  applicationGrantRefusal,
  type CredentialChange,
  credentialChangeRefusal,
  memberChangeRefusal,
  refuseIf,
  riskChangeRefusal,
} from '../src/directory/refusals.ts';
import type { DirectoryRole, PartnerAgentGroup } from '../src/directory/roles.ts';
import { EMPTY_PROFILE, type User } from '../src/directory/users.ts';
import { graphErrorOf } from '../src/graph-api/directory-errors.ts';

/*
 * The directory's per-object authority rules (directory/refusals.ts), each a pure function, read
 * as tables: who acts, on what, allowed or refused. Entra's rules for who may change whom.
 */

let serial = 0;
function user(roles: DirectoryRole[] = []): User {
  serial += 1;
  return {
    tenantId: 't',
    id: `00000000-0000-4000-8000-${String(serial).padStart(12, '0')}`,
    userPrincipalName: `u${serial}@contoso.example`,
    displayName: `User ${serial}`,
    givenName: null,
    surname: null,
    userType: 'member',
    accountEnabled: true,
    passwordHash: null,
    directoryRoles: roles,
    firstInteractiveSignInAt: null,
    registrationWindowStartedAt: null,
    createdAt: 0,
    passwordChangeRequired: false,
    firstRegistrationRequiresTap: false,
    passwordChangedAt: null,
    profile: EMPTY_PROFILE,
  };
}

const APP = undefined; // an application acting alone
const global = user(['Global Administrator']);
const userAdmin = user(['User Administrator']);
const helpdesk = user(['Helpdesk Administrator']);
const password = user(['Password Administrator']);
const security = user(['Security Administrator']);
const plain = user();
const billing = user(['Billing Administrator']);
const limited = user(['Helpdesk Administrator']);

describe('directory refusals (STYLE 2: one pure module of per-object authority)', () => {
  it('Entra roles: who may reset the password of, or change, disable or delete, whom', () => {
    const rows: [
      string,
      User | undefined,
      User,
      CredentialChange,
      PartnerAgentGroup[],
      'allowed' | RegExp,
    ][] = [
      ['an application never sets a password', APP, plain, 'password', [], /application cannot set/],
      [
        'an application never issues a Temporary Access Pass',
        APP,
        plain,
        'temporaryAccessPass',
        [],
        /application cannot issue a Temporary Access Pass/,
      ],
      ['an application changes an unprivileged user', APP, plain, 'account', [], 'allowed'],
      ['an application cannot change a role holder', APP, billing, 'account', [], /directory role/],
      ['an application cannot change an agent', APP, plain, 'account', ['AdminAgents'], /AdminAgents/],
      ['no one resets their own password here', global, global, 'password', [], /own password/],
      ['a Global Administrator changes anyone', global, billing, 'password', [], 'allowed'],
      ['a Global Administrator changes an agent', global, plain, 'account', ['SalesAgents'], 'allowed'],
      [
        'only a Global Administrator changes an agent',
        userAdmin,
        plain,
        'password',
        ['HelpdeskAgents'],
        /Only a Global/,
      ],
      ['a User Administrator: non-administrators', userAdmin, plain, 'password', [], 'allowed'],
      ['a User Administrator: limited administrators', userAdmin, limited, 'account', [], 'allowed'],
      [
        'a User Administrator: not a Billing Administrator',
        userAdmin,
        billing,
        'password',
        [],
        /Billing Administrator/,
      ],
      [
        'a User Administrator: not a Global Administrator',
        userAdmin,
        global,
        'account',
        [],
        /Global Administrator/,
      ],
      ['a Helpdesk Administrator: users without roles', helpdesk, plain, 'password', [], 'allowed'],
      [
        'a Helpdesk Administrator: no role holder',
        helpdesk,
        limited,
        'password',
        [],
        /hold no directory role/,
      ],
      ['a Password Administrator: users without roles', password, plain, 'password', [], 'allowed'],
      [
        'a Password Administrator: no role holder',
        password,
        billing,
        'account',
        [],
        /hold no directory role/,
      ],
      ['another role: nothing', security, plain, 'password', [], /Insufficient privileges/],
    ];
    for (const [name, actor, target, change, groups, expected] of rows) {
      const refusal = credentialChangeRefusal(actor, target, change, groups);
      if (expected === 'allowed') assert.equal(refusal, undefined, name);
      else assert.match(String(refusal), expected, name);
    }
  });

  it('SPEC §13: a user holding GDAP roles in customers is privileged: only a Global Administrator changes its credentials', () => {
    const rows: [string, User | undefined, CredentialChange, 'allowed' | RegExp][] = [
      ['a Global Administrator', global, 'temporaryAccessPass', 'allowed'],
      ['a Global Administrator', global, 'password', 'allowed'],
      ['a User Administrator', userAdmin, 'password', /GDAP roles/],
      ['a Helpdesk Administrator', helpdesk, 'temporaryAccessPass', /GDAP roles/],
      ['a Password Administrator', password, 'password', /GDAP roles/],
      ['an application', APP, 'account', /GDAP roles/],
    ];
    for (const [name, actor, change, expected] of rows) {
      const refusal = credentialChangeRefusal(actor, plain, change, [], true);
      if (expected === 'allowed') assert.equal(refusal, undefined, name);
      else assert.match(String(refusal), expected, `${name} (${change})`);
      // Without GDAP roles the same user is unprivileged.
      if (actor && actor !== global)
        assert.equal(credentialChangeRefusal(actor, plain, change, []), undefined);
    }
  });

  it('applications: an application alone changes only applications whose granted roles it holds itself', () => {
    const rows: [string, User | undefined, string[], string[], 'allowed' | RegExp][] = [
      [
        'a signed-in administrator changes any',
        global,
        [],
        ['RoleManagement.ReadWrite.Directory'],
        'allowed',
      ],
      ['an app changes an app without roles', APP, ['Application.ReadWrite.All'], [], 'allowed'],
      [
        'an app changes an app holding less',
        APP,
        ['Application.ReadWrite.All', 'User.Read.All'],
        ['User.Read.All'],
        'allowed',
      ],
      [
        'an app cannot change an app holding more',
        APP,
        ['Application.ReadWrite.All'],
        ['RoleManagement.ReadWrite.Directory'],
        /RoleManagement\.ReadWrite\.Directory/,
      ],
    ];
    for (const [name, actor, held, granted, expected] of rows) {
      const refusal = applicationChangeRefusal(actor, held, {
        grantedAppRoles: granted,
        multiTenant: false,
        allowedScopes: granted.length > 0 ? ['urn:warden:graph/.default'] : [],
      });
      if (expected === 'allowed') assert.equal(refusal, undefined, name);
      else assert.match(String(refusal), expected, name);
    }
  });

  it('Entra rules: an application acting alone cannot change an application that signs users in or serves other tenants (its front door: redirect URIs, secrets)', () => {
    const cli = {
      grantedAppRoles: [],
      multiTenant: true,
      allowedScopes: ['urn:warden:partner-api/user_impersonation'],
    };
    assert.match(String(applicationChangeRefusal(APP, ['Application.ReadWrite.All'], cli)), /signs users in/);
    const delegated = {
      grantedAppRoles: [],
      multiTenant: false,
      allowedScopes: ['urn:warden:graph/Directory.AccessAsUser.All'],
    };
    assert.match(
      String(applicationChangeRefusal(APP, ['Application.ReadWrite.All'], delegated)),
      /signs users in/,
    );
    assert.equal(
      applicationChangeRefusal(global, [], cli),
      undefined,
      'a signed-in Global Administrator may',
    );
    assert.match(
      String(applicationGrantRefusal(APP, [], { multiTenant: true, allowedScopes: [] })),
      /signed-in Global Administrator/,
    );
    assert.match(
      String(applicationGrantRefusal(APP, [], { allowedScopes: ['urn:warden:graph/User.Read'] })),
      /signed-in Global Administrator/,
    );
    assert.equal(
      applicationGrantRefusal(APP, [], { allowedScopes: ['urn:warden:graph/.default'] }),
      undefined,
    );
  });

  it('applications: granting app roles at registration is admin consent (a signed-in administrator only)', () => {
    assert.equal(applicationGrantRefusal(global, ['User.Read.All']), undefined);
    assert.equal(applicationGrantRefusal(APP, []), undefined);
    assert.match(String(applicationGrantRefusal(APP, ['User.Read.All'])), /signed-in Global Administrator/);
  });

  it('SPEC §1: membership of a partner agent group is changed by a signed-in Global Administrator only', () => {
    const rows: [string, User | undefined, string, boolean][] = [
      ['a Global Administrator, AdminAgents', global, 'AdminAgents', true],
      ['a User Administrator, AdminAgents', userAdmin, 'AdminAgents', false],
      ['a User Administrator, the name in another case', userAdmin, ' salesagents ', false],
      ['an application, HelpdeskAgents', APP, 'HelpdeskAgents', false],
      ['a User Administrator, another group', userAdmin, 'Finance', true],
      ['an application, another group', APP, 'Finance', true],
    ];
    for (const [name, actor, group, allowed] of rows) {
      assert.equal(memberChangeRefusal(actor, { displayName: group }, false) === undefined, allowed, name);
    }
  });

  it('SPEC §13: membership of a group carrying a GDAP access assignment is changed by a signed-in Global Administrator only', () => {
    assert.equal(memberChangeRefusal(global, { displayName: 'Finance' }, true), undefined);
    assert.match(String(memberChangeRefusal(userAdmin, { displayName: 'Finance' }, true)), /GDAP/);
    assert.match(String(memberChangeRefusal(APP, { displayName: 'Finance' }, true)), /GDAP/);
  });

  it('SPEC §9: risk is dismissed or confirmed by another administrator; a Global Administrator is confirmed compromised by a Global Administrator only', () => {
    const security = user(['Security Administrator']);
    const plain = user();
    assert.match(String(riskChangeRefusal(security, security, 'dismiss')), /own risk/);
    assert.match(String(riskChangeRefusal(global, global, 'confirmCompromised')), /own account/);
    assert.match(String(riskChangeRefusal(security, global, 'confirmCompromised')), /Global Administrator/);
    assert.equal(riskChangeRefusal(security, global, 'dismiss'), undefined);
    assert.equal(riskChangeRefusal(security, plain, 'confirmCompromised'), undefined);
    assert.equal(riskChangeRefusal(global, user(['Global Administrator']), 'confirmCompromised'), undefined);
    assert.equal(riskChangeRefusal(APP, plain, 'confirmCompromised'), undefined);
    assert.match(String(riskChangeRefusal(APP, security, 'dismiss')), /directory role/);
  });

  it("a refusal is the directory's `refused` error, answered by Graph as 403 Authorization_RequestDenied", () => {
    assert.doesNotThrow(() => refuseIf(undefined));
    assert.throws(
      () => refuseIf('Not you.'),
      (error: unknown) =>
        error instanceof DirectoryError &&
        error.code === 'refused' &&
        error.message === 'Not you.' &&
        graphErrorOf(error).code === 'Authorization_RequestDenied' &&
        graphErrorOf(error).status === 403,
    );
  });
});
