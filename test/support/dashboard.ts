import assert from 'node:assert/strict';
import { totpFor } from '../../src/authentication-methods/totp.ts';
import type { TestWarden } from './harness.ts';
import { UserAgent } from './user-agent.ts';

/** A TOTP code at a fresh step of the harness clock (RFC 6238 §5.2: a code is accepted once). */
export function freshCode(w: TestWarden, seed: string): string {
  w.clock.advance(30_000);
  return totpFor(seed).generate({ timestamp: w.clock.now() });
}

/**
 * Signs in to the dashboard over HTTP the way a browser would: the work account, the authority's
 * password page, then whatever the policy asks (second factor, or registration when `mfa` is
 * wanted or required). Returns the agent holding the dashboard session and the user's TOTP seed.
 */
export async function dashboardSignIn(
  w: TestWarden,
  upn: string,
  options: { mfa: boolean; seed?: string; returnTo?: string },
): Promise<{ ua: UserAgent; seed: string | undefined }> {
  const ua = new UserAgent();
  const query = new URLSearchParams({ email: upn, return: options.returnTo ?? '/dashboard' });
  await ua.navigate(`${w.baseUrl}/dashboard/sign-in?${query}`);
  await ua.submit('password', { username: upn, password: w.demo.password });
  const seed = await completeSecondStep(w, ua, options);
  assert.equal(new URL(ua.lastUrl).origin, w.baseUrl);
  return { ua, seed };
}

/** Finishes a sign-in after the password page: second factor, registration or skipping it. */
export async function completeSecondStep(
  w: TestWarden,
  ua: UserAgent,
  options: { mfa: boolean; seed?: string },
): Promise<string | undefined> {
  let seed = options.seed ?? w.demo.users[ua.lastPage.match(/as <strong>([^<]+)</)?.[1] ?? '']?.totpSeed;
  if (ua.title() === 'Verify your identity') {
    assert.ok(seed, 'a second factor is asked for but the test knows no seed');
    await ua.submit('totp', { code: freshCode(w, seed) });
  } else if (ua.title() === 'Let’s keep your account secure') {
    if (!options.mfa) {
      await ua.submit('skip_registration');
      return seed;
    }
    await ua.submit('begin_registration');
  }
  if (ua.title() === 'Set up your authenticator app') {
    seed = (/class="secret" aria-label="Secret key">([^<]+)</.exec(ua.lastPage)?.[1] ?? '').replace(
      /\s+/g,
      '',
    );
    await ua.submit('confirm_totp', { code: freshCode(w, seed) });
    assert.equal(ua.title(), 'Save your recovery codes');
    await ua.submit('continue');
  }
  return seed;
}
