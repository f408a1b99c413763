import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import { hashPassword } from '../src/authentication-methods/passwords.ts';
import { setSecurityDefaults } from '../src/directory/tenants.ts';
import { createUser } from '../src/directory/users.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { redeem, signIn, startAuthorization } from './support/oidc.ts';

const DAY = 24 * 3600 * 1000;

describe('the registration window of security defaults (SPEC §5, seed 001)', () => {
  let w: TestWarden;
  before(async () => {
    w = await startWarden();
  });
  after(() => w.stop());

  /** A plain user (no role, no method) of Fabrikam, whose tenant starts without security defaults. */
  async function plainFabrikamUser(name: string): Promise<string> {
    const upn = `${name}@fabrikam.example`;
    await createUser(w.ctx.db, w.demo.tenants.fabrikam!.id, {
      userPrincipalName: upn,
      displayName: name,
      passwordHash: await hashPassword(w.demo.password),
    });
    return upn;
  }

  it('SPEC §5: the 14 days start at the first sign-in after security defaults were turned on, not at the first sign-in ever', async () => {
    const fabrikam = w.demo.tenants.fabrikam!.id;
    const upn = await plainFabrikamUser('early-bird');
    const before = await signIn(w, await startAuthorization(w, 'fabrikam'), { upn });
    assert.match(before.callback, /code=/, 'without security defaults a password is enough');

    w.clock.advance(30 * DAY);
    await setSecurityDefaults(w.ctx.db, fabrikam, true, w.clock.now());
    try {
      const first = await signIn(w, await startAuthorization(w, 'fabrikam'), { upn });
      assert.match(
        first.ua.lastPage,
        /value="skip_registration"/,
        'the grace begins now: skipping is offered',
      );
      assert.match(first.ua.lastPage, /skip this for\s+14 more days/);

      w.clock.advance(13 * DAY);
      const later = await signIn(w, await startAuthorization(w, 'fabrikam'), { upn });
      assert.match(later.ua.lastPage, /value="skip_registration"/, 'day 13: still inside the window');

      w.clock.advance(1 * DAY);
      const over = await signIn(w, await startAuthorization(w, 'fabrikam'), { upn });
      assert.doesNotMatch(over.ua.lastPage, /value="skip_registration"/, 'day 14: registration is required');
    } finally {
      await setSecurityDefaults(w.ctx.db, fabrikam, false, w.clock.now());
    }
  });

  it('SPEC §5: turning security defaults off and on again gives a new window; re-saving "on" does not', async () => {
    const fabrikam = w.demo.tenants.fabrikam!.id;
    const upn = await plainFabrikamUser('toggler');
    await setSecurityDefaults(w.ctx.db, fabrikam, true, w.clock.now());
    try {
      await signIn(w, await startAuthorization(w, 'fabrikam'), { upn });
      w.clock.advance(10 * DAY);
      await setSecurityDefaults(w.ctx.db, fabrikam, true, w.clock.now()); // already on: the window is unchanged
      w.clock.advance(5 * DAY);
      const over = await signIn(w, await startAuthorization(w, 'fabrikam'), { upn });
      assert.doesNotMatch(over.ua.lastPage, /value="skip_registration"/, 'day 15 of one window');

      await setSecurityDefaults(w.ctx.db, fabrikam, false, w.clock.now());
      await setSecurityDefaults(w.ctx.db, fabrikam, true, w.clock.now());
      const renewed = await signIn(w, await startAuthorization(w, 'fabrikam'), { upn });
      assert.match(renewed.ua.lastPage, /value="skip_registration"/, 'off and on again: a new window');
    } finally {
      await setSecurityDefaults(w.ctx.db, fabrikam, false, w.clock.now());
    }
  });

  it('SPEC R1, §5: a single-factor refresh chain of a user who never signs in again ends 14 days after security defaults were turned on', async () => {
    const fabrikam = w.demo.tenants.fabrikam!.id;
    const upn = await plainFabrikamUser('refresher');
    const start = await startAuthorization(w, 'fabrikam');
    let tokens = await redeem(start, (await signIn(w, start, { upn })).callback);
    assert.ok(tokens.refresh_token);
    await setSecurityDefaults(w.ctx.db, fabrikam, true, w.clock.now());
    try {
      w.clock.advance(13 * DAY);
      tokens = await client.refreshTokenGrant(start.config, tokens.refresh_token!);
      w.clock.advance(1 * DAY);
      await assert.rejects(
        client.refreshTokenGrant(start.config, tokens.refresh_token!),
        (e: { error?: string }) => e.error === 'invalid_grant',
        'day 14 after security defaults were turned on: the chain without mfa ends',
      );
    } finally {
      await setSecurityDefaults(w.ctx.db, fabrikam, false, w.clock.now());
    }
  });
});
