import assert from 'node:assert/strict';
import type { TestWarden } from './harness.ts';
import { completeSecondStep } from './oidc.ts';
import { UserAgent } from './user-agent.ts';

/**
 * Signs in to the dashboard over HTTP the way a browser would: the work account, the authority's
 * password page, then whatever the policy asks (second factor, or registration when `mfa` is
 * wanted or required). Returns the agent holding the dashboard session.
 */
export async function dashboardSignIn(
  w: TestWarden,
  upn: string,
  options: { mfa: boolean; returnTo?: string },
): Promise<{ ua: UserAgent }> {
  const ua = new UserAgent();
  const query = new URLSearchParams({ email: upn, return: options.returnTo ?? '/dashboard' });
  await ua.navigate(`${w.baseUrl}/dashboard/sign-in?${query}`);
  const at = await ua.submit('password', { username: upn, password: w.demo.password });
  await completeSecondStep(w, ua, { at, upn, mfa: options.mfa });
  assert.equal(new URL(ua.lastUrl).origin, w.baseUrl);
  return { ua };
}
