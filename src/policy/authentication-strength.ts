/**
 * The authentication strength a sign-in reached, read off its RFC 8176 `amr` (issue 15 items 1
 * and 6; reference entra-identity §2.2, the built-in strengths): `phishingResistant` when a
 * key bound to the sign-in surface was proven (`hwk` or `swk`, a passkey), `mfa` when MFA was
 * proven, none (null) when only a password or another single factor was. A leaf: imports nothing.
 */
export type AuthenticationStrength = 'mfa' | 'phishingResistant';

export function authenticationStrengthOf(amr: readonly string[]): AuthenticationStrength | null {
  if (!amr.includes('mfa')) return null;
  return amr.includes('hwk') || amr.includes('swk') ? 'phishingResistant' : 'mfa';
}
