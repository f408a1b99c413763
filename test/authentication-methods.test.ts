import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  addAuthenticatorApp,
  FRESH_MFA_MS,
  MethodChangeError,
  removeAuthenticatorApp,
  removeOwnMethod,
} from '../src/authentication-methods/manage.ts';
import { methodsOf } from '../src/authentication-methods/methods.ts';
import { hashPassword } from '../src/authentication-methods/passwords.ts';
import { newTotpSecret, totpFor } from '../src/authentication-methods/totp.ts';
import { getTenant, setSecurityDefaults } from '../src/directory/tenants.ts';
import { getUser, updateUser } from '../src/directory/users.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { storePasskey } from './support/passkeys.ts';
import { makeUser } from './support/users.ts';

describe('SPEC §8: managing MFA methods', () => {
  let w: TestWarden;
  before(async () => {
    w = await startWarden();
  });
  after(() => w.stop());

  const fresh = () => ({ amr: ['pwd', 'otp', 'mfa'], authTime: w.clock.now() });
  const code = (reason: unknown) => (reason instanceof MethodChangeError ? reason.code : reason);

  it('SPEC §8: adding or removing a method needs a fresh MFA', async () => {
    const made = await makeUser(w, { name: 'jane', roles: ['Global Administrator'], totp: true });
    const jane = (await getUser(w.ctx.db, made.tenantId, made.id))!;
    const tenant = (await getTenant(w.ctx.db, jane.tenantId))!;
    const secret = newTotpSecret();
    const valid = () => totpFor(secret).generate({ timestamp: w.clock.now() });
    await assert.rejects(
      addAuthenticatorApp(w.ctx, jane, { amr: ['pwd'], authTime: w.clock.now() }, secret, valid()),
      (e) => code(e) === 'FreshMfaRequired',
    );
    const stale = { amr: ['pwd', 'otp', 'mfa'], authTime: w.clock.now() - FRESH_MFA_MS - 1000 };
    await assert.rejects(
      addAuthenticatorApp(w.ctx, jane, stale, secret, valid()),
      (e) => code(e) === 'FreshMfaRequired',
    );
    await assert.rejects(
      addAuthenticatorApp(w.ctx, jane, fresh(), secret, '000000'),
      (e) => code(e) === 'InvalidCode',
    );
    const id = await addAuthenticatorApp(w.ctx, jane, fresh(), secret, valid());
    assert.equal((await methodsOf(w.ctx.db, jane.tenantId, jane.id)).totp.length, 2);
    await assert.rejects(
      removeAuthenticatorApp(w.ctx, tenant, jane, stale, id),
      (e) => code(e) === 'FreshMfaRequired',
    );
    await removeAuthenticatorApp(w.ctx, tenant, jane, fresh(), id);
    assert.equal((await methodsOf(w.ctx.db, jane.tenantId, jane.id)).totp.length, 1);
  });

  it('SPEC §5: the last method cannot be removed while MFA is mandated; it can when nothing mandates it', async () => {
    const made = await makeUser(w, { name: 'jane', roles: ['Global Administrator'], totp: true });
    const jane = (await getUser(w.ctx.db, made.tenantId, made.id))!;
    const [only] = (await methodsOf(w.ctx.db, jane.tenantId, jane.id)).totp;
    let tenant = (await getTenant(w.ctx.db, jane.tenantId))!;
    await assert.rejects(
      removeAuthenticatorApp(w.ctx, tenant, jane, fresh(), only!.id),
      (e) => code(e) === 'LastMethodMandated',
    );
    assert.equal((await methodsOf(w.ctx.db, jane.tenantId, jane.id)).totp.length, 1, 'nothing was removed');

    await setSecurityDefaults(w.ctx.db, tenant.id, false, w.clock.now());
    tenant = (await getTenant(w.ctx.db, jane.tenantId))!;
    await removeAuthenticatorApp(w.ctx, tenant, jane, fresh(), only!.id);
    assert.equal((await methodsOf(w.ctx.db, jane.tenantId, jane.id)).totp.length, 0);
  });

  it('Issue 15 item 3: a passkey is removed by the same rule: fresh MFA; an authenticator app may go while a passkey stays, the last method of either kind may not', async () => {
    const made = await makeUser(w, { name: 'keyholder', roles: ['Global Administrator'], totp: true });
    const user = (await getUser(w.ctx.db, made.tenantId, made.id))!;
    // Security defaults mandate an administrator's method (a test above turned them off).
    await setSecurityDefaults(w.ctx.db, user.tenantId, true, w.clock.now());
    const tenant = (await getTenant(w.ctx.db, user.tenantId))!;
    const key = await storePasskey(w, made);
    const [app] = (await methodsOf(w.ctx.db, user.tenantId, user.id)).totp;
    const stale = { amr: ['pwd', 'otp', 'mfa'], authTime: w.clock.now() - FRESH_MFA_MS - 1000 };
    await assert.rejects(
      removeOwnMethod(w.ctx, tenant, user, stale, { kind: 'fido2', id: key }),
      (e) => code(e) === 'FreshMfaRequired',
    );
    await assert.rejects(
      removeOwnMethod(w.ctx, tenant, user, fresh(), { kind: 'fido2', id: app!.id }),
      (e) => code(e) === 'MethodNotFound',
      'an authenticator app is not a passkey',
    );
    const removed = await removeOwnMethod(w.ctx, tenant, user, fresh(), {
      kind: 'softwareOath',
      id: app!.id,
    });
    assert.deepEqual([removed.kind, removed.id], ['softwareOath', app!.id]);
    await assert.rejects(
      removeOwnMethod(w.ctx, tenant, user, fresh(), { kind: 'fido2', id: key }),
      (e) => code(e) === 'LastMethodMandated',
    );
    const left = await methodsOf(w.ctx.db, user.tenantId, user.id);
    assert.deepEqual([left.totp.length, left.passkeys.length], [0, 1]);
  });

  it('SPEC §8: an authenticator app is not added for an account whose password changed (or that was disabled) since the session proved it: sign in again (FreshMfaRequired), nothing added', async () => {
    const made = await makeUser(w, { totp: true });
    const user = (await getUser(w.ctx.db, made.tenantId, made.id))!;
    // An administrator's reset lands between the page's check and the add.
    await updateUser(w.ctx.db, user.tenantId, user.id, {
      password: { hash: await hashPassword('Reset-By-Admin-77'), changedAt: w.clock.now() },
    });
    const secret = newTotpSecret();
    await assert.rejects(
      addAuthenticatorApp(
        w.ctx,
        user,
        fresh(),
        secret,
        totpFor(secret).generate({ timestamp: w.clock.now() }),
      ),
      (e) => code(e) === 'FreshMfaRequired',
    );
    assert.equal((await methodsOf(w.ctx.db, user.tenantId, user.id)).totp.length, 1);
  });
});
