import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashPassword, verifyPassword } from '../src/authentication-methods/passwords.ts';
import { getUser, updateUser } from '../src/directory/users.ts';
import { activate, openActivation } from '../src/onboarding/activation.ts';
import { onboardTenant } from '../src/onboarding/tenant-onboarding.ts';
import { startWarden, type TestWarden } from './support/harness.ts';

describe('Operations: an activation link sets the first password only', () => {
  let w: TestWarden;
  before(async () => {
    w = await startWarden();
  });
  after(() => w.stop());

  it('Operations: an activation link does not replace a password an administrator set meanwhile (link_invalid)', async () => {
    const now = w.clock.now();
    const { tenant, admin, activation } = await onboardTenant(
      w.ctx,
      {
        kind: 'customer',
        domain: 'first-password.example',
        admin: { userPrincipalName: 'root@first-password.example' },
      },
      now,
    );
    // Another administrator gives the account a temporary password: the leaked link is dead now.
    await updateUser(w.ctx.db, tenant.id, admin.id, {
      password: { hash: await hashPassword('Temp-Password-123'), changedAt: now },
      passwordChangeRequired: true,
    });
    const opened = await openActivation(w.ctx, activation.token, '203.0.113.9', now);
    const result = opened.ok
      ? await activate(
          w.ctx,
          opened,
          { password: 'Attacker-Chosen-99', confirmPassword: 'Attacker-Chosen-99' },
          now,
        )
      : opened;
    assert.deepEqual([result.ok, !result.ok && result.code], [false, 'link_invalid']);
    const user = await getUser(w.ctx.db, tenant.id, admin.id);
    assert.equal(await verifyPassword(user!.passwordHash, 'Attacker-Chosen-99'), false);
    assert.equal(await verifyPassword(user!.passwordHash, 'Temp-Password-123'), true);
    assert.equal(user!.passwordChangeRequired, true);
  });
});
