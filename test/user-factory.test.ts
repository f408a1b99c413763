import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { methodsOf } from '../src/authentication-methods/methods.ts';
import { agentGroupsOf } from '../src/directory/groups.ts';
import { getUser } from '../src/directory/users.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { signIn, startAuthorization } from './support/oidc.ts';
import { userToken } from './support/tokens.ts';
import { makeUser } from './support/users.ts';

describe('Test support: the user factory (test/support/users.ts)', () => {
  let w: TestWarden;
  before(async () => {
    w = await startWarden();
  });
  after(() => w.stop());

  it('Test support: a made user is new each time, in the tenant asked for, with its roles, groups and authenticator', async () => {
    const a = await makeUser(w, { roles: ['User Administrator'], groups: ['AdminAgents'], totp: true });
    const b = await makeUser(w, { tenant: 'fabrikam' });
    assert.notEqual(a.upn, b.upn);
    assert.match(a.upn, /@contoso\.example$/);
    assert.match(b.upn, /@fabrikam\.example$/);
    const stored = await getUser(w.ctx.db, a.tenantId, a.id);
    assert.deepEqual(stored?.directoryRoles, ['User Administrator']);
    assert.deepEqual(await agentGroupsOf(w.ctx.db, a.tenantId, a.id), ['AdminAgents']);
    assert.equal((await methodsOf(w.ctx.db, a.tenantId, a.id)).totp.length, 1);
    assert.equal((await methodsOf(w.ctx.db, b.tenantId, b.id)).totp.length, 0);
    assert.equal(b.totpSeed, undefined);
    assert.equal(await getUser(w.ctx.db, a.tenantId, b.id), undefined, 'tenant-scoped');
  });

  it('Test support: a made user signs in with its password and its seed, and gets mfa (SPEC §3)', async () => {
    const admin = await makeUser(w, { roles: ['Global Administrator'], totp: true });
    assert.deepEqual(decodeJwt(await userToken(w, admin.upn)).amr, ['pwd', 'otp', 'mfa']);
    const own = await makeUser(w, { name: 'chosen', password: 'Juniper-Ledger-83' });
    const { callback } = await signIn(w, await startAuthorization(w, 'contoso'), {
      upn: own.upn,
      password: 'Wrong-Ledger-83',
    });
    assert.doesNotMatch(callback, /code=/, 'only its own password signs it in');
    const right = await signIn(w, await startAuthorization(w, 'contoso'), {
      upn: own.upn,
      password: own.password,
    });
    assert.match(right.ua.lastPage, /value="skip_registration"/, 'past the password step');
  });

  it('Test support: a user made disabled cannot sign in (AADSTS50057)', async () => {
    const off = await makeUser(w, { accountEnabled: false });
    const { ua } = await signIn(w, await startAuthorization(w, 'contoso'), { upn: off.upn });
    assert.equal(ua.lastStatus, 403);
    assert.match(ua.lastPage, /AADSTS50057/);
  });
});
