import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dashboardSignIn } from './support/dashboard.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import type { UserAgent } from './support/user-agent.ts';

/**
 * Warden's own sites (dashboard, admin center, Security info) are relying parties of its
 * authorities; how fresh a session's sign-in is comes from the ID token's auth_time.
 */
let w: TestWarden;
before(async () => {
  w = await startWarden();
});
after(() => w?.stop());

/** A dashboard sign-in again with the authority's session: redirects only, down to the callback. */
async function signInAgain(ua: UserAgent, upn: string): Promise<void> {
  let location = `${w.baseUrl}/dashboard/sign-in?email=${encodeURIComponent(upn)}`;
  for (let i = 0; i < 10; i++) {
    const url = new URL(location, w.baseUrl);
    const res = await ua.request(url.href);
    if (url.pathname === '/dashboard/callback') {
      assert.equal(res.status, 303);
      return;
    }
    location = res.headers.get('location') ?? '';
    assert.ok(location, `the sign-in stopped at a page (${res.status})`);
  }
  assert.fail('no callback');
}

describe('first-party relying parties: auth_time', () => {
  it('OIDC Core §5.5.1: auth_time is asked for as essential, and a session reusing the authority sign-in keeps that sign-in time', async () => {
    const upn = 'john@fabrikam.example';
    const user = await w.ctx.db
      .selectFrom('users')
      .select('id')
      .where('user_principal_name', '=', upn)
      .executeTakeFirstOrThrow();
    // Warden's clock runs ahead of the machine's, so a time made up at the callback would show.
    w.clock.advance(3600_000);
    const from = Math.floor(w.clock.now() / 1000) * 1000;
    const { ua } = await dashboardSignIn(w, upn, { mfa: false });
    const to = w.clock.now();
    w.clock.advance(30 * 60_000);
    const again = w.clock.now();
    await signInAgain(ua, upn);
    const newest = await w.ctx.db
      .selectFrom('dashboard_sessions')
      .select(['auth_time', 'created_at'])
      .where('user_id', '=', user.id)
      .orderBy('created_at', 'desc')
      .executeTakeFirstOrThrow();
    assert.ok(Number(newest.created_at) >= again, 'the newest session is the second sign-in');
    const authTime = Number(newest.auth_time);
    assert.ok(
      authTime >= from && authTime <= to,
      `auth_time ${authTime} is the first sign-in's [${from}, ${to}]`,
    );
  });
});
